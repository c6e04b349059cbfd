#!/usr/bin/env bash
# demo.sh - jovl on three simulated Docker hosts, end to end, on one machine (run as root).
#
#   examples/demo.sh [--mode cluster|standalone|swarm] [--driver jovl|overlay|plugin] [--secure] [--keep]
#
#   --mode cluster    (default) dockerd with etcd as cluster store; the network is created once
#   --mode standalone dockerd without cluster store (dockerd --dns <its eth0 address>), jovl with
#                     --scope local; the same network create on EVERY host (same --subnet), names
#                     across hosts through jovl's DNS; also shows a stopped container's name leaving
#   --mode swarm      Docker swarm mode: dockerd without cluster store, jovl as a managed plugin on
#                     every host (JOVL_SCOPE=global, etcd store, Docker's socket mounted), swarm init on
#                     host 1, the others join as managers; the network myStack1 (--scope swarm
#                     --attachable), service `web` (3 replicas behind a VIP) and `webrr` (dnsrr); from
#                     shell2 on host 2: ping web, wget http://web/ (every replica answers) and webrr.
#                     Implies --driver plugin (swarm takes managed plugins only); --driver overlay runs
#                     the same with Docker's overlay, whose VIPs need IPVS (this machine's kernel has
#                     none: there only the dnsrr checks pass)
#   --driver jovl     (default) jovl as a socket plugin: the jar runs on every host
#   --driver plugin   jovl as a Docker managed plugin (examples/plugin/build.sh), -d jovl:latest
#   --driver overlay  Docker's own overlay driver (the baseline), same hosts, same checks
#   --secure          jovl's store is a second etcd on the kv host serving TLS only, with client-
#                     certificate verification and authentication (certificates made with openssl,
#                     user jovl with a password file); jovl on every host gets --store-cacert,
#                     --store-cert, --store-key, --store-user, --store-password-file (the plugin the
#                     same by docker plugin set). Docker's own cluster store stays the plain etcd
#   --keep            leave the hosts up at the end (tear down later with examples/lib/jexctl down)
#
# It installs what is missing (scripts/install-deps), builds jovl if needed, brings up etcd and
# 3 hosts (etcd is both Docker's cluster store and jovl's store), starts jovl on every host, creates
# the network myStack1 once on host 1, starts `web` (busybox httpd) on host 1, `shell1` on host 2
# and `shell3` on host 3, and runs verify.sh: ping and HTTP by name and by IP between every pair.
# Exit code 0 only if every check passed. Everything is torn down at the end, also on Ctrl-C.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
driver=jovl; keep=no; mode=cluster; secure=no
subnet=10.77.0.0/24      # standalone: every host must create the network with the same --subnet
while [ $# -gt 0 ]; do
  case "$1" in
    --driver) driver=${2:-}; shift 2 || { echo "demo.sh: --driver needs a value" >&2; exit 2; } ;;
    --mode) mode=${2:-}; shift 2 || { echo "demo.sh: --mode needs a value" >&2; exit 2; } ;;
    --keep) keep=yes; shift ;;
    --secure) secure=yes; shift ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$driver" in jovl|overlay|plugin) ;; *) echo "demo.sh: --driver must be jovl, overlay or plugin" >&2; exit 2 ;; esac
case "$mode" in cluster|standalone|swarm) ;; *) echo "demo.sh: --mode must be cluster, standalone or swarm" >&2; exit 2 ;; esac
# swarm mode refuses socket (legacy) plugins: jovl is the managed plugin there
[ "$mode" != swarm ] || [ "$driver" != jovl ] || driver=plugin
# overlay needs Docker's cluster store; the managed plugin's standalone setup is not scripted here
[ "$mode" != standalone ] || [ "$driver" = jovl ] || { echo "demo.sh: --mode standalone works with --driver jovl only" >&2; exit 2; }
[ "$mode" != swarm ] || [ "$secure" = no ] || { echo "demo.sh: --secure is not scripted for --mode swarm" >&2; exit 2; }
[ "$secure" = no ] || [ "$driver" != overlay ] || { echo "demo.sh: --secure secures jovl's store; not with --driver overlay" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (namespaces, dockerd)" >&2; exit 2; }

. "$here/lib/jex.sh"
. "$here/lib/swarm.sh"
step() { printf '\n==> %s\n' "$*"; }
finish() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM        # a second Ctrl-C must not cut the teardown short
  if [ "$keep" = yes ] && [ $rc = 0 ]; then
    echo "hosts kept: DOCKER_HOST=unix://$JEX_STATE/jex-h1/docker.sock ...; tear down with $here/lib/jexctl down"
  else
    [ $rc = 0 ] || export JEX_LOGS=${JEX_LOGS:-/tmp/jex-logs}
    step "tearing everything down"; secure_store_down; jex_down
  fi
  local label="driver $driver, mode $mode"; [ "$secure" = no ] || label="$label, secure store"
  [ $rc = 0 ] && echo "DEMO PASSED ($label)" || echo "DEMO FAILED ($label)"
  exit $rc
}
trap finish EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# --secure: jovl's own etcd on the kv host, TLS only (port 2378), --client-cert-auth, auth on
secure_args=()
# etcdctl on the secure etcd with the same certificates (secure_ctl: as root)
sctl() { nsenter -t "$(jex_host_pid jex-kv)" -n -- env ETCDCTL_API=3 etcdctl --endpoints "https://$JEX_KV_IP:2378" \
           --cacert "$JEX_STATE/jex-kv/secure/certs/ca.pem" --cert "$JEX_STATE/jex-kv/secure/certs/client.pem" \
           --key "$JEX_STATE/jex-kv/secure/certs/client.key" "$@"; }
secure_ctl() { sctl --user "root:$(cat "$JEX_STATE/jex-kv/secure/certs/password")-root" "$@"; }
secure_store_up() {
  local dir="$JEX_STATE/jex-kv/secure" kv; kv=$(jex_host_pid jex-kv)
  rm -rf "$dir"; mkdir -p "$dir/certs"; chmod 700 "$dir/certs"
  ( cd "$dir/certs" &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=jex-ca &&
    printf 'subjectAltName=IP:%s\n' "$JEX_KV_IP" > san.ext &&
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=jex-kv &&
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext &&
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=jovl &&
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 &&
    openssl rand -hex 16 | tr -d '\n' > password ) >"$dir/openssl.log" 2>&1 || { echo "openssl failed (see $dir/openssl.log)"; return 1; }
  local c="$dir/certs" url="https://$JEX_KV_IP:2378"
  nsenter -t "$kv" -n -- setsid /usr/bin/etcd --name jex-kv-secure --data-dir "$dir/data" \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --listen-peer-urls http://127.0.0.1:2382 --initial-advertise-peer-urls http://127.0.0.1:2382 \
    --initial-cluster jex-kv-secure=http://127.0.0.1:2382 --log-level warn \
    --cert-file "$c/server.pem" --key-file "$c/server.key" --trusted-ca-file "$c/ca.pem" --client-cert-auth \
    </dev/null >>"$dir/etcd.log" 2>&1 &
  echo $! > "$dir/etcd.pid"; disown $! 2>/dev/null
  jex_wait 20 sctl endpoint health >/dev/null 2>&1 || { echo "the secure etcd did not become healthy (see $dir/etcd.log)"; return 1; }
  { sctl user add root --new-user-password "$(cat "$c/password")-root" && sctl user grant-role root root &&
    sctl user add jovl --new-user-password "$(cat "$c/password")" && sctl role add jovl-rw &&
    sctl role grant-permission jovl-rw --prefix=true readwrite jovl-demo/ && sctl user grant-role jovl jovl-rw &&
    sctl auth enable; } >"$dir/auth.log" 2>&1 || { echo "etcd auth set-up failed (see $dir/auth.log)"; return 1; }
  echo "    etcd $url: TLS with client-certificate verification, auth on; user jovl may read and write jovl-demo/ only"
  # the key prefix in the URL: jovl's keys live under jovl-demo/, the only keys its role may touch
  secure_args=(--store "etcd://$JEX_KV_IP:2378/jovl-demo" --store-cacert "$c/ca.pem" --store-cert "$c/client.pem"
               --store-key "$c/client.key" --store-user jovl --store-password-file "$c/password")
}
secure_store_down() {
  local f="$JEX_STATE/jex-kv/secure/etcd.pid"
  [ -s "$f" ] || return 0
  kill "$(cat "$f")" 2>/dev/null; sleep 0.5; kill -KILL "$(cat "$f")" 2>/dev/null; rm -f "$f"
}
# the plugin reads the same files through its certs mount (/etc/jovl inside the plugin)
secure_plugin_set() {
  local h=$1 c="$JEX_STATE/jex-kv/secure/certs"
  jex_docker "$h" plugin disable jovl:latest >/dev/null &&
  jex_docker "$h" plugin set jovl:latest certs.source="$c" JOVL_STORE="etcd://$JEX_KV_IP:2378/jovl-demo" \
    JOVL_STORE_CACERT=/etc/jovl/ca.pem JOVL_STORE_CERT=/etc/jovl/client.pem JOVL_STORE_KEY=/etc/jovl/client.key \
    JOVL_STORE_USER=jovl JOVL_STORE_PASSWORD_FILE=/etc/jovl/password &&
  jex_docker "$h" plugin enable jovl:latest >/dev/null
}

# --mode swarm: the whole flow (hosts, plugin, swarm, services, checks, clean-up)
swarm_demo() {
  local net=myStack1 drv=(-d overlay) answers distinct
  if [ "$driver" = plugin ]; then
    step "bringing up etcd (jovl's store) and 3 simulated Docker hosts without cluster store; jovl:latest on each (JOVL_SCOPE=global)"
    jex_swarm_hosts_up 3 || return 1
    drv=(-d jovl:latest --ipam-driver jovl:latest)
  else
    step "bringing up 3 simulated Docker hosts without cluster store (Docker's overlay needs none in swarm mode)"
    jex_up 3 standalone || return 1
  fi
  step "jex-h1: docker swarm init; jex-h2 and jex-h3: docker swarm join (managers)"
  jex_swarm_form || return 1
  jex_docker jex-h1 node ls
  step "jex-h1: docker network create ${drv[*]} --scope swarm --attachable $net"
  jex_docker jex-h1 network create "${drv[@]}" --scope swarm --attachable "$net" || return 1
  step "jex-h1: docker service create --name web --network $net --replicas 3 (VIP), --name webrr --endpoint-mode dnsrr (3)"
  local serve=(jex/busybox sh -c 'hostname > /www/index.html; exec httpd -f -p 80 -h /www')
  jex_docker jex-h1 service create -d --name web --network "$net" --replicas 3 "${serve[@]}" >/dev/null 2>&1 || return 1
  jex_docker jex-h1 service create -d --name webrr --endpoint-mode dnsrr --network "$net" --replicas 3 "${serve[@]}" >/dev/null 2>&1 || return 1
  swarm_running() { [ "$(jex_docker jex-h1 service ps -q --filter desired-state=running "$1" | wc -l)" = 3 ] &&
                    ! jex_docker jex-h1 service ps --filter desired-state=running --format '{{.CurrentState}}' "$1" | grep -qv '^Running'; }
  jex_wait 90 swarm_running web && jex_wait 90 swarm_running webrr || { echo "    FAIL: the services' tasks did not all start"; jex_docker jex-h1 service ps web webrr; return 1; }
  jex_docker jex-h1 service ps --format '    {{.Name}} on {{.Node}}: {{.CurrentState}}' web webrr
  step "jex-h2: docker run -d --net $net --name shell2 jex/busybox sleep 3600 (an attachable container)"
  jex_run_d jex-h2 shell2 --net "$net" jex/busybox sleep 3600 || return 1
  local fails=0
  check() { local what=$1; shift; if "$@"; then echo "    PASS: $what"; else echo "    FAIL: $what"; fails=$((fails + 1)); fi; }
  step "jex-h2: docker exec shell2 nslookup web / ping -c 2 web / wget -qO- http://web/ (x6)"
  jex_docker jex-h2 exec shell2 nslookup web 2>/dev/null | sed -n '/^Name:/,$p' | sed 's/^/    /'
  check "ping web (the VIP)" jex_docker jex-h2 exec shell2 ping -c 2 -W 2 web
  # the first requests may come before the new sandbox's rules (a 500 ms loop): allow a few tries
  distinct=0
  for try in 1 2 3 4 5; do
    answers=$(jex_docker jex-h2 exec shell2 sh -c 'for i in 1 2 3 4 5 6; do timeout 5 wget -qO- http://web/ || echo FAILED; done')
    distinct=$(printf '%s\n' "$answers" | grep -v FAILED | sort -u | grep -c .)
    ! printf '%s\n' "$answers" | grep -q FAILED && [ "$distinct" = 3 ] && break
    sleep 1
  done
  printf '%s\n' "$answers" | sed 's/^/    answered by /'
  check "wget http://web/ from host 2: 6 requests, every one answered, by the 3 replicas" \
    test "$distinct" = 3 -a -z "$(printf '%s\n' "$answers" | grep FAILED)"
  step "jex-h2: docker exec shell2 wget -qO- http://webrr/ (dnsrr: Docker's DNS gives the tasks' addresses)"
  check "wget http://webrr/ from host 2" jex_docker jex-h2 exec shell2 timeout 5 wget -qO- http://webrr/
  step "the same from a container on each host (docker run --rm --net $net)"
  local h
  for h in $(jex_hosts); do
    check "$h: wget http://web/ and http://webrr/" jex_docker "$h" run --rm --net "$net" jex/busybox sh -c 'timeout 5 wget -qO- http://web/ && timeout 5 wget -qO- http://webrr/'
  done
  step "cleaning up services, containers and the network"
  jex_docker jex-h1 service rm web webrr >/dev/null
  jex_docker jex-h2 rm -f shell2 >/dev/null
  jex_wait 30 jex_docker jex-h1 network rm "$net" || echo "    (network rm did not succeed within 30 s)"
  [ $fails = 0 ] || { echo "$fails check(s) failed"; return 1; }
  echo "    every check passed"
}

step "installing what is missing (scripts/install-deps)"
bash "$JEX_ROOT/scripts/install-deps" || exit 1

case "$driver" in
  jovl)    step "building jovl if needed"; jex_build_jovl || exit 1; net_driver=(-d jovl --ipam-driver jovl) ;;
  plugin)  step "building jovl and the managed plugin if needed"; jex_build_jovl || exit 1
           bash "$here/plugin/build.sh" || exit 1; net_driver=(-d jovl:latest --ipam-driver jovl:latest) ;;
  overlay) net_driver=(-d overlay) ;;
esac

if [ "$mode" = swarm ]; then
  swarm_demo; exit $?
fi

if [ "$mode" = cluster ]; then
  step "bringing up etcd and 3 simulated Docker hosts (cluster store $(jex_kv_url))"
  jex_up 3 cluster || exit 1
else
  # the one per-host Docker setting: dockerd --dns <jovl's DNS address, the host's eth0 (VTEP)>
  step "bringing up etcd (jovl's store only) and 3 simulated Docker hosts without cluster store (dockerd --dns <its eth0>)"
  JEX_STANDALONE_DNS=eth0 jex_up 3 standalone || exit 1
fi

if [ "$secure" = yes ]; then
  step "--secure: a second etcd for jovl on the kv host, TLS + client certificates + auth"
  secure_store_up || exit 1
fi

case "$driver/$mode" in
  jovl/cluster)    for h in $(jex_hosts); do step "starting jovl on $h (socket /run/docker/plugins/jovl.sock)"; jex_jovl_start "$h" "${secure_args[@]}" || exit 1; done ;;
  jovl/standalone) for h in $(jex_hosts); do
                     step "starting jovl --scope local on $h (DNS on $(jex_host_ip "$h"):53, Docker socket $(jex_sock "$h"))"
                     jex_jovl_start "$h" --scope local --docker-socket "$(jex_sock "$h")" "${secure_args[@]}" || exit 1
                   done ;;
  plugin/*) for h in $(jex_hosts); do step "installing the managed plugin jovl:latest on $h"; jex_plugin_install "$h" || exit 1
              if [ "$secure" = yes ]; then step "$h: docker plugin set jovl:latest certs.source=... JOVL_STORE_CACERT=... (the secure etcd)"
                secure_plugin_set "$h" || exit 1; fi
            done ;;
esac

if [ "$mode" = cluster ]; then
  step "docker network create ${net_driver[*]} myStack1   (once, on jex-h1)"
  jex_docker jex-h1 network create "${net_driver[@]}" myStack1 || exit 1
  for h in $(jex_hosts); do
    jex_wait 10 jex_docker "$h" network inspect myStack1 || { echo "myStack1 not visible on $h"; exit 1; }
    echo "    $h sees myStack1"
  done
else
  net_driver+=(--subnet "$subnet")
  for h in $(jex_hosts); do
    step "$h: docker network create ${net_driver[*]} myStack1"
    jex_docker "$h" network create "${net_driver[@]}" myStack1 || exit 1
  done
fi

step "jex-h1: docker run -d --net myStack1 --name web jex/busybox httpd -f -p 80 -h /www"
jex_run_d jex-h1 web --net myStack1 jex/busybox httpd -f -p 80 -h /www || exit 1
step "jex-h2: docker run -d --net myStack1 --name shell1 jex/busybox sleep 3600"
jex_run_d jex-h2 shell1 --net myStack1 jex/busybox sleep 3600 || exit 1
step "jex-h3: docker run -d --net myStack1 --name shell3 jex/busybox sleep 3600"
jex_run_d jex-h3 shell3 --net myStack1 jex/busybox sleep 3600 || exit 1

step "jex-h2: docker exec shell1 ping -c 2 web && wget -qO- http://web/"
jex_docker jex-h2 exec shell1 ping -c 2 web || exit 1
jex_docker jex-h2 exec shell1 timeout 5 wget -qO- http://web/ || exit 1

step "verify.sh: every pair, ping and HTTP, by name and by IP, across the 3 hosts"
hosts=(); for h in $(jex_hosts); do hosts+=(-H "unix://$(jex_sock "$h")"); done
DOCKER=$JEX_DOCKER "$here/verify.sh" "${hosts[@]}" myStack1 || exit 1

if [ "$secure" = yes ]; then
  step "--secure: jovl's keys, as etcdctl sees them with the same certificates (root user)"
  n=$(secure_ctl get --prefix --keys-only jovl-demo/ | grep -c .)
  secure_ctl get --prefix --keys-only jovl-demo/ | grep . | sed 's/^/    /' | head -8
  [ "$n" -gt 0 ] || { echo "no jovl keys under jovl-demo/ in the secure etcd"; exit 1; }
  echo "    $n keys under jovl-demo/; jovl keys in Docker's plain etcd: $(jex_etcdctl get --prefix --keys-only jovl/ | grep -c . || true)" \
       "(the plugin's first start registers its host there before docker plugin set; that key's lease runs out)"
  ! grep -rqsF "$(cat "$JEX_STATE/jex-kv/secure/certs/password")" "$JEX_STATE"/jex-h*/jovl.log "$JEX_STATE"/jex-h*/dockerd.log ||
    { echo "the store password appears in a log"; exit 1; }
  echo "    the password appears in no jovl log"
fi

if [ "$mode" = standalone ]; then
  # jovl drops the name on Docker's `die` event; its DNS answers carry a 2 s TTL, so allow a few tries
  # a stopped container would not answer anyway: what counts is that the NAME no longer resolves
  step "jex-h1: docker stop web; then on jex-h2 \`ping web\` in shell1 must fail to resolve"
  jex_docker jex-h1 stop -t 1 web >/dev/null || exit 1
  gone=no
  for try in 1 2 3 4 5 6 7 8 9 10; do
    out=$(jex_docker jex-h2 exec shell1 ping -c 1 -W 1 web 2>&1)
    echo "    try $try: $(printf '%s' "$out" | grep -v '^$' | tail -1)"
    case "$out" in *"bad address"*) gone=yes; break ;; esac
    sleep 1
  done
  [ $gone = yes ] || { echo "web still resolves 10 tries after it stopped"; exit 1; }
  echo "    web left: its name no longer resolves on jex-h2"
fi

step "cleaning up containers and the network"
for h in $(jex_hosts); do ids=$(jex_docker "$h" ps -aq); [ -z "$ids" ] || jex_docker "$h" rm -f $ids >/dev/null; done
if [ "$mode" = cluster ]; then
  jex_docker jex-h1 network rm myStack1 >/dev/null || exit 1
else
  for h in $(jex_hosts); do jex_docker "$h" network rm myStack1 >/dev/null || exit 1; done
fi
exit 0
