# jex.sh - simulated Docker hosts on one machine (sourceable bash library).
#
# One simulated host = its own net+mount+uts namespaces, held open by a sleeping process started with
# unshare, an `eth0` on a veth to an underlay bridge that lives in its own netns (jex-ul), a private
# tmpfs on /run (so /run/docker/plugins, /run/netns and iptables' lock are per host), and its own
# dockerd (own --data-root/--exec-root/-H/--pidfile, containers under cgroup parent jex-hN).
# The key-value host (etcd) is one more namespace on the same underlay.
#
# Every address used is inside 192.168.222.0/24, which only exists inside these namespaces.
# State lives in $JEX_STATE (default /tmp/jex): pids, sockets, data roots, logs. jex_down removes
# everything jex_up made, in reverse order, and is safe to call repeatedly or after a crash.
#
# Functions: jex_up N [cluster|standalone], jex_down, jex_docker hN ARGS, jex_in hN CMD,
#            jex_host_pid hN, jex_kv_url, jex_host_ip hN, jex_hosts.

JEX_STATE=${JEX_STATE:-/tmp/jex}
JEX_CACHE=${JEX_CACHE:-/var/tmp/jex-cache}
# Names visible outside an environment (the underlay netns, the cgroup parents) carry a prefix
# derived from JEX_STATE, so two environments (JEX_STATE=/tmp/jex and /tmp/jexp) can run at once.
JEX_PREFIX=${JEX_PREFIX:-$(basename "$JEX_STATE")}
JEX_NET=192.168.222                  # exists only inside this environment's namespaces
JEX_KV_IP=$JEX_NET.2
JEX_UL=${JEX_UL:-$JEX_PREFIX-ul}
JEX_CGROUP_PREFIX=${JEX_CGROUP_PREFIX:-$JEX_PREFIX-}
JEX_DOCKER=/usr/bin/docker          # the 20.10 client that matches dockerd (/usr/local/bin/docker is newer)
JEX_DOCKERD=/usr/sbin/dockerd
JEX_VERBOSE=${JEX_VERBOSE:-1}
# Standalone mode only, opt-in: JEX_STANDALONE_DNS=eth0 starts each host's dockerd with
# --dns <that host's eth0 address>, where jovl --scope local answers container names of every host
# (driver/README-standalone.md). Unset (the default), dockerd gets no --dns, as before.
JEX_STANDALONE_DNS=${JEX_STANDALONE_DNS:-}

jex_log() { [ "$JEX_VERBOSE" = 0 ] || printf '[jex %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
jex_die() { printf '[jex] ERROR: %s\n' "$*" >&2; return 1; }

jex_host_ip()  { echo "$JEX_NET.$((10 + ${1#jex-h}))"; }            # jex-h1 -> 192.168.222.11
jex_host_pid() { cat "$JEX_STATE/$1/sleeper.pid"; }
# JEX_ETCD_MEMBERS=3: the kv host runs a 3-member etcd cluster (member i on client port 2379+10000*i,
# peer port 2380+10000*i), and every store URL lists all members; default 1 member, as before.
JEX_ETCD_MEMBERS=${JEX_ETCD_MEMBERS:-1}
jex_etcd_port() { echo $((2379 + 10000 * $1)); }
jex_kv_url() {
  local i urls=""
  for ((i = 0; i < JEX_ETCD_MEMBERS; i++)); do urls+="${urls:+,}$JEX_KV_IP:$(jex_etcd_port $i)"; done
  echo "etcd://$urls"
}
jex_hosts()    { cat "$JEX_STATE/hosts" 2>/dev/null; }
jex_sock()     { echo "$JEX_STATE/$1/docker.sock"; }

# Runs a command inside a host's namespaces (net, mount, uts).
jex_in() { local h=$1; shift; nsenter -t "$(jex_host_pid "$h")" -n -m -u -- "$@"; }
# The 20.10 docker client pointed at a host's dockerd.
jex_docker() { local h=$1; shift; "$JEX_DOCKER" -H "unix://$(jex_sock "$h")" "$@"; }

# jex_run_d HOST NAME ARGS...: `docker run -d --name NAME ARGS...` on HOST. Docker 20.10 here now and
# then fails a start because its etcd client dials the cluster store from a thread outside the host's
# network namespace ("...:2379: connect: network is unreachable"; seen with Docker's overlay driver
# too, never reaching a plugin); such a start is retried twice at most, and said so.
jex_run_d() {
  local h=$1 name=$2 err try; shift 2
  for try in 1 2 3; do
    err=$(jex_docker "$h" run -d --name "$name" "$@" 2>&1 >/dev/null) && return 0
    case "$err" in
      *":2379: connect: network is unreachable"*) [ "$try" -lt 3 ] || break
        echo "[jex] $h: dockerd could not dial its cluster store starting $name; retrying" >&2
        jex_docker "$h" rm -f "$name" >/dev/null 2>&1 ;;
      *) break ;;
    esac
  done
  printf '%s\n' "$err" >&2; return 1
}

# Waits (bounded) until a command succeeds.
jex_wait() {
  local secs=$1; shift; local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.2
  done
}

# ---- images ---------------------------------------------------------------------------------
# Tarballs for `docker import`: jex/busybox (busybox + applet links) and jex/iperf3 (busybox +
# iperf3 and the libraries ldd lists). Built once into $JEX_CACHE.
jex_build_images() {
  mkdir -p "$JEX_CACHE"
  local bb=/bin/busybox
  [ -x "$bb" ] || jex_die "busybox-static missing (scripts/install-deps)" || return 1
  if [ ! -s "$JEX_CACHE/busybox.tar" ] || [ "$bb" -nt "$JEX_CACHE/busybox.tar" ]; then
    local r; r=$(mktemp -d /var/tmp/jex-rootfs.XXXXXX)
    jex_busybox_rootfs "$r"
    tar -C "$r" -cf "$JEX_CACHE/busybox.tar.$$" . && mv "$JEX_CACHE/busybox.tar.$$" "$JEX_CACHE/busybox.tar"
    rm -rf "$r"
  fi
  if [ ! -s "$JEX_CACHE/iperf3.tar" ] || [ /usr/bin/iperf3 -nt "$JEX_CACHE/iperf3.tar" ]; then
    local r; r=$(mktemp -d /var/tmp/jex-rootfs.XXXXXX)
    jex_busybox_rootfs "$r"
    mkdir -p "$r/usr/bin"; cp /usr/bin/iperf3 "$r/usr/bin/"
    local lib
    for lib in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
      mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"
    done
    tar -C "$r" -cf "$JEX_CACHE/iperf3.tar.$$" . && mv "$JEX_CACHE/iperf3.tar.$$" "$JEX_CACHE/iperf3.tar"
    rm -rf "$r"
  fi
}

jex_busybox_rootfs() {
  local r=$1 a
  mkdir -p "$r/bin" "$r/tmp" "$r/etc" "$r/www" "$r/proc" "$r/sys" "$r/dev"
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
  echo 'root:x:0:' > "$r/etc/group"
  echo 'jex ok' > "$r/www/index.html"
}

jex_import_images() {
  local h=$1
  jex_docker "$h" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/bin:/bin' "$JEX_CACHE/busybox.tar" jex/busybox:latest >/dev/null &&
  jex_docker "$h" import -c 'CMD ["sh"]' -c 'ENV PATH=/usr/bin:/bin' "$JEX_CACHE/iperf3.tar" jex/iperf3:latest >/dev/null
}

# ---- namespaces -----------------------------------------------------------------------------
# Starts the sleeper that holds a host's namespaces. With "full", the host also gets a private mount
# namespace with a tmpfs on /run (its own /run/docker/plugins and /run/netns).
jex_start_sleeper() {
  local name=$1 kind=$2 dir="$JEX_STATE/$1"
  mkdir -p "$dir"
  if [ "$kind" = full ]; then
    setsid unshare --net --mount --uts --propagation private sh -c \
      "hostname $name; mount -t tmpfs -o mode=755 jex-run /run && mkdir -p /run/docker/plugins /run/netns && exec sleep infinity" \
      </dev/null >"$dir/sleeper.log" 2>&1 &
  else
    setsid unshare --net --uts sh -c "hostname $name; exec sleep infinity" </dev/null >"$dir/sleeper.log" 2>&1 &
  fi
  local pid=$!
  disown "$pid" 2>/dev/null   # no "Killed" job notice from bash when jex_down ends it
  echo "$pid" > "$dir/sleeper.pid"
  # wait until the sleeper has exec'd (its namespaces are ready once it is `sleep`)
  jex_wait 10 grep -qx sleep "/proc/$pid/comm" || jex_die "sleeper for $name did not start" || return 1
}

# Wires a namespace holder to the underlay: veth jex-<name> on bridge jex-br, eth0 inside.
jex_plug() {
  local name=$1 ip=$2 pid; pid=$(jex_host_pid "$name")
  ip link add "$name" netns "$JEX_UL" type veth peer name eth0 netns "$pid" || return 1
  ip -n "$JEX_UL" link set "$name" master jex-br up
  # like a real Docker host: forwarding on (dockerd warns on every run otherwise)
  nsenter -t "$pid" -n sh -c "echo 1 > /proc/sys/net/ipv4/ip_forward && ip link set lo up && ip addr add $ip/24 dev eth0 && ip link set eth0 up"
}

jex_underlay_up() {
  ip netns add "$JEX_UL" || return 1
  ip -n "$JEX_UL" link set lo up
  ip -n "$JEX_UL" link add jex-br type bridge
  ip -n "$JEX_UL" link set jex-br up
}

# ---- etcd (the kv host) -----------------------------------------------------------------------
jex_kv_up() {
  jex_start_sleeper jex-kv net || return 1
  jex_plug jex-kv "$JEX_KV_IP" || return 1
  jex_etcd_start
}

# jex_etcd_start [MEMBER]: starts every member (or one, which rejoins the others from its data).
jex_etcd_start() {
  local dir="$JEX_STATE/jex-kv" i members=() initial="" endpoints=""
  if [ $# -gt 0 ]; then members=("$1"); else for ((i = 0; i < JEX_ETCD_MEMBERS; i++)); do members+=("$i"); done; fi
  for ((i = 0; i < JEX_ETCD_MEMBERS; i++)); do
    initial+="${initial:+,}$(jex_etcd_name $i)=$(jex_etcd_peer_url $i)"
    endpoints+="${endpoints:+,}http://127.0.0.1:$(jex_etcd_port $i)"
  done
  for i in "${members[@]}"; do
    local port; port=$(jex_etcd_port "$i")
    mkdir -p "$dir/etcd${i#0}"
    # scripts/etcd-member execs etcd, so $! is etcd's pid
    nsenter -t "$(jex_host_pid jex-kv)" -n -u -- env \
      JOVL_ETCD_INITIAL_CLUSTER="$([ "$JEX_ETCD_MEMBERS" = 1 ] || echo "$initial")" \
      setsid bash "$JEX_ROOT/scripts/etcd-member" "$(jex_etcd_name "$i")" "$dir/etcd${i#0}" \
      "http://$JEX_KV_IP:$port,http://127.0.0.1:$port" "http://$JEX_KV_IP:$port" "$(jex_etcd_peer_url "$i")" --enable-v2=true \
      </dev/null >>"$dir/etcd${i#0}.log" 2>&1 &
    echo $! > "$dir/etcd${i#0}.pid"
    disown $! 2>/dev/null
  done
  jex_wait 30 nsenter -t "$(jex_host_pid jex-kv)" -n -- etcdctl --endpoints "$endpoints" endpoint health --cluster \
    || jex_die "etcd did not become healthy (see $dir/etcd*.log)"
}
# member 0 keeps the single-member names (jex-kv, data in etcd/, peer on loopback) used before
jex_etcd_name() { if [ "$1" = 0 ]; then echo jex-kv; else echo "jex-kv$1"; fi; }
jex_etcd_peer_url() {
  if [ "$JEX_ETCD_MEMBERS" = 1 ]; then echo "http://127.0.0.1:2380"; else echo "http://$JEX_KV_IP:$(($(jex_etcd_port "$1") + 1))"; fi
}

# jex_etcd_stop [MEMBER]: stops every member (or one): SIGTERM, then SIGKILL after 10 s. The data
# stays, so jex_etcd_start resumes it.
jex_etcd_stop() {
  local i f members=()
  if [ $# -gt 0 ]; then members=("$1"); else for ((i = 0; i < JEX_ETCD_MEMBERS; i++)); do members+=("$i"); done; fi
  for i in "${members[@]}"; do
    f="$JEX_STATE/jex-kv/etcd${i#0}.pid"
    [ -s "$f" ] || continue
    jex_stop_pid "$(cat "$f")" 10
    rm -f "$f"
  done
}

jex_etcdctl() { nsenter -t "$(jex_host_pid jex-kv)" -n -- env ETCDCTL_API=3 etcdctl --endpoints http://127.0.0.1:2379 "$@"; }

# ---- dockerd ----------------------------------------------------------------------------------
jex_dockerd_start() {
  local h=$1 mode=$2 dir="$JEX_STATE/$1"
  mkdir -p "$dir/data" "$dir/exec"
  [ -s "$dir/daemon.json" ] || echo '{}' > "$dir/daemon.json"
  local args=(--data-root "$dir/data" --exec-root "$dir/exec" -H "unix://$dir/docker.sock"
              --pidfile "$dir/docker.pid" --config-file "$dir/daemon.json" --cgroup-parent "/$JEX_CGROUP_PREFIX$h"
              --log-level warn --userland-proxy=false)
  if [ "$mode" = cluster ]; then
    args+=(--cluster-store "$(jex_kv_url)" --cluster-advertise eth0:2376)
  elif [ "$JEX_STANDALONE_DNS" = eth0 ]; then
    args+=(--dns "$(jex_host_ip "$h")")
  fi
  jex_in "$h" setsid "$JEX_DOCKERD" "${args[@]}" </dev/null >>"$dir/dockerd.log" 2>&1 &
  jex_wait 60 jex_docker "$h" version || jex_die "dockerd on $h did not start (see $dir/dockerd.log)"
}

# jex_dockerd_resume HOST: starts a host's stopped dockerd again (jex_dockerd_kill stops it) on the
# same data root, with the settings jex_up gave it (mode, --dns).
jex_dockerd_resume() {
  local h=$1
  [ -s "$JEX_STATE/$h/sleeper.pid" ] || { jex_die "no host $h in $JEX_STATE"; return 1; }
  JEX_STANDALONE_DNS=$(cat "$JEX_STATE/standalone-dns" 2>/dev/null) jex_dockerd_start "$h" "$(cat "$JEX_STATE/mode")"
}

jex_dockerd_stop() {
  local h=$1 dir="$JEX_STATE/$1"
  [ -S "$dir/docker.sock" ] && jex_docker "$h" ps -aq >/dev/null 2>&1 && {
    local ids; ids=$(jex_docker "$h" ps -aq)
    [ -z "$ids" ] || timeout 60 "$JEX_DOCKER" -H "unix://$dir/docker.sock" rm -f $ids >/dev/null 2>&1
  }
  [ -s "$dir/docker.pid" ] && jex_stop_pid "$(cat "$dir/docker.pid")" 8
  rm -f "$dir/docker.pid"
}

# SIGTERM a pid, wait up to N seconds for it to exit, then SIGKILL.
jex_stop_pid() {
  local pid=$1 secs=${2:-10} end
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  end=$((SECONDS + secs))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
  return 0
}

# Pids of every process in the same network namespace as the given pid (the pid itself excluded).
jex_pids_in_netns() {
  local holder=$1 ns
  ns=$(readlink "/proc/$holder/ns/net" 2>/dev/null) || return 0
  # one find instead of a readlink per process: forks are slow on a busy 2-core machine
  find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%h %l\n' 2>/dev/null |
    awk -v ns="$ns" -v me="$holder" '$2 == ns { split($1, a, "/"); if (a[3] != me) print a[3] }'
}

# Container processes of a host: they live under cgroup parent /<host> in every controller.
jex_kill_cgroup() {
  local h=$JEX_CGROUP_PREFIX$1 c d
  for c in /sys/fs/cgroup/*/"$h" /sys/fs/cgroup/unified/"$h"; do
    [ -d "$c" ] || continue
    for d in $(find "$c" -depth -type d 2>/dev/null); do
      [ -f "$d/cgroup.procs" ] && xargs -r kill -KILL < "$d/cgroup.procs" 2>/dev/null
    done
  done
  sleep 0.2
  for c in /sys/fs/cgroup/*/"$h" /sys/fs/cgroup/unified/"$h"; do
    [ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  return 0
}

# ---- ownership -----------------------------------------------------------------------------------
# An environment ($JEX_STATE) belongs to the process that brought it up (a test JVM, a demo script)
# until it is torn down. Without this, a second run on the same JEX_STATE (two worktrees running the
# same test, a demo beside the test) took the first run's live hosts for "leftovers" and tore them
# down mid-run: the first run then saw connectivity break for no reason (docker exec and pings
# failing from one moment on). Now jex_up waits (up to JEX_OWNER_WAIT s) while another live process
# owns the environment, and jex_down leaves another live owner's environment alone (JEX_FORCE=1
# overrides). The owner is JEX_OWNER_PID: this shell by default; the command-line wrappers
# (jexctl, plugin-hosts.sh) pass their parent, the process that drives them.
JEX_OWNER_PID=${JEX_OWNER_PID:-$$}
JEX_OWNER_WAIT=${JEX_OWNER_WAIT:-120}

# A process's start time (clock ticks since boot): tells a reused pid apart from the owner.
jex_proc_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }

jex_claim_owner() { echo "$JEX_OWNER_PID $(jex_proc_start "$JEX_OWNER_PID")" > "$JEX_STATE/owner"; }

# True when a live process other than JEX_OWNER_PID owns the environment; prints "pid (command)".
jex_owned_by_other() {
  local pid start
  # braces: a missing file fails the "<" before a "2>/dev/null" after it would apply
  { read -r pid start < "$JEX_STATE/owner"; } 2>/dev/null || return 1
  [ -n "$pid" ] && [ -n "$start" ] || return 1
  [ "$pid" = "$JEX_OWNER_PID" ] && [ "$start" = "$(jex_proc_start "$JEX_OWNER_PID")" ] && return 1
  [ "$(jex_proc_start "$pid")" = "$start" ] || return 1     # the owner is gone: leftovers
  echo "$pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-120))"
}

# Waits (bounded) until no other live process owns the environment, then makes it ours. Holds a
# lock beside JEX_STATE while checking, so two jex_up calls cannot both claim it.
jex_take_ownership() {
  local lock="$JEX_STATE.lock" fd other end=$((SECONDS + JEX_OWNER_WAIT)) said=0
  exec {fd}>"$lock" || { jex_die "cannot open $lock"; return 1; }
  while true; do
    flock "$fd"
    if ! other=$(jex_owned_by_other); then
      mkdir -p "$JEX_STATE" && jex_claim_owner
      flock -u "$fd"; exec {fd}>&-
      return 0
    fi
    flock -u "$fd"
    if [ $SECONDS -ge $end ]; then
      exec {fd}>&-
      jex_die "$JEX_STATE is in use by pid $other; waited ${JEX_OWNER_WAIT} s. Use another JEX_STATE, or wait"
      return 1
    fi
    if [ $((SECONDS - said)) -ge 30 ]; then
      jex_log "$JEX_STATE is in use by pid $other: waiting (up to ${JEX_OWNER_WAIT} s)"
      said=$SECONDS
    fi
    sleep 2
  done
}

# ---- whole environment ---------------------------------------------------------------------------
# jex_up N [cluster|standalone]: underlay, etcd, N hosts with dockerd and images.
jex_up() {
  local n=${1:-3} mode=${2:-cluster} i h
  jex_take_ownership || return 1
  if [ -s "$JEX_STATE/hosts" ] || [ -e "$JEX_STATE/jex-kv" ] || ip netns list | grep -qw "$JEX_UL"; then
    jex_log "leftovers of an earlier run found: tearing them down first"
    jex_down
    mkdir -p "$JEX_STATE" && jex_claim_owner
  fi
  : > "$JEX_STATE/hosts"
  echo "$mode" > "$JEX_STATE/mode"
  echo "$JEX_STANDALONE_DNS" > "$JEX_STATE/standalone-dns"   # for jex_dockerd_resume
  jex_log "building test images (busybox, iperf3) into $JEX_CACHE"
  jex_build_images || return 1
  jex_log "underlay: bridge jex-br in netns $JEX_UL, $JEX_NET.0/24"
  jex_underlay_up || return 1
  jex_log "kv host jex-kv: etcd on $JEX_KV_IP:2379 (v2 for dockerd, v3 for jovl)"
  jex_kv_up || return 1
  for i in $(seq 1 "$n"); do
    h=jex-h$i
    jex_log "host $h: namespaces, eth0 $(jex_host_ip $h)"
    jex_start_sleeper "$h" full || return 1
    echo "$h" >> "$JEX_STATE/hosts"
    jex_plug "$h" "$(jex_host_ip "$h")" || return 1
  done
  # dockerds start in parallel: each takes a few seconds
  local pids=()
  for h in $(jex_hosts); do
    ( jex_dockerd_start "$h" "$mode" && jex_import_images "$h" ) &
    pids+=($!)
  done
  local rc=0 p
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [ $rc = 0 ] || { jex_die "a dockerd failed to start"; return 1; }
  jex_log "$n hosts up ($mode mode): DOCKER_HOST=unix://$JEX_STATE/jex-hN/docker.sock"
}

# Removes everything jex_up made. Idempotent; works from any process (state is on disk).
jex_down() {
  local h pid p
  [ -d "$JEX_STATE" ] || { ip netns del "$JEX_UL" 2>/dev/null; return 0; }
  local other
  if other=$(jex_owned_by_other) && [ -z "${JEX_FORCE:-}" ]; then
    jex_die "not tearing down $JEX_STATE: it is in use by pid $other (JEX_FORCE=1 overrides)"
    return 1
  fi
  jex_log "tearing down simulated hosts"
  local hosts; hosts=$(tac "$JEX_STATE/hosts" 2>/dev/null)
  # in parallel; wait only for these jobs (a bare `wait` would also wait for sleepers we started)
  # dockerd goes before jovl, so that removing containers can still reach the plugin
  local jobs=()
  for h in $hosts; do jex_dockerd_stop "$h" & jobs+=($!); done
  for p in "${jobs[@]}"; do wait "$p"; done
  jobs=()
  for h in $hosts; do jex_jovl_stop "$h" & jobs+=($!); done
  for p in "${jobs[@]}"; do wait "$p"; done
  for h in $hosts; do
    jex_kill_cgroup "$h"
    pid=$(cat "$JEX_STATE/$h/sleeper.pid" 2>/dev/null) || continue
    # whatever still runs in the host (jovl, containerd, shims) goes before its namespaces
    for p in $(jex_pids_in_netns "$pid"); do kill -TERM "$p" 2>/dev/null; done
    sleep 0.3
    for p in $(jex_pids_in_netns "$pid"); do kill -KILL "$p" 2>/dev/null; done
    kill -KILL "$pid" 2>/dev/null
  done
  jex_etcd_stop
  pid=$(cat "$JEX_STATE/jex-kv/sleeper.pid" 2>/dev/null) && {
    for p in $(jex_pids_in_netns "$pid"); do kill -KILL "$p" 2>/dev/null; done
    kill -KILL "$pid" 2>/dev/null
  }
  ip netns del "$JEX_UL" 2>/dev/null
  if [ -n "${JEX_LOGS:-}" ]; then        # keep the logs (a failed run) before the state goes
    rm -rf "$JEX_LOGS"; mkdir -p "$JEX_LOGS"
    ( cd "$JEX_STATE" && find . -maxdepth 2 -name '*.log' -exec cp --parents {} "$JEX_LOGS" \; )
    jex_log "logs kept in $JEX_LOGS"
  fi
  # data roots hold overlay mounts only inside the hosts' private mount namespaces, gone with them
  local tries=0
  while ! rm -rf "$JEX_STATE" 2>/dev/null && [ $tries -lt 10 ]; do sleep 0.5; tries=$((tries + 1)); done
  [ -d "$JEX_STATE" ] && jex_log "warning: could not remove $JEX_STATE"
  jex_log "teardown done"
  return 0
}

# ---- jovl daemon (socket plugin) on a host ------------------------------------------------------
# jovl runs inside the host's namespaces, so its socket /run/docker/plugins/jovl.sock lands in that
# host's private /run, where that host's dockerd looks for plugins.
JEX_ROOT=${JEX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
JEX_JAR=${JEX_JAR:-$JEX_ROOT/driver/target/jovl.jar}

jex_java() { echo "$(bash "$JEX_ROOT/scripts/java25")/bin/java"; }

# Builds driver/target/jovl.jar if it is missing or older than the driver sources.
jex_build_jovl() {
  if [ -s "$JEX_JAR" ] && [ -z "$(find "$JEX_ROOT"/{driver,kvstore,vxlan-native,ipam}/src -newer "$JEX_JAR" -type f 2>/dev/null | head -1)" ]; then
    return 0
  fi
  jex_log "building jovl ($JEX_JAR)"
  ( cd "$JEX_ROOT" && JAVA_HOME=$(bash scripts/java25) ./mvnw -B -q -ntp -pl driver -am package -DskipTests ) >&2 &&
  [ -s "$JEX_JAR" ] || jex_die "build did not produce $JEX_JAR"
}

jex_jovl_socket_ready() { jex_in "$1" test -S /run/docker/plugins/jovl.sock; }

# jex_jovl_start HOST [extra daemon args...]: starts jovl and waits (bounded) for its socket.
jex_jovl_start() {
  local h=$1 dir="$JEX_STATE/$1"; shift
  jex_in "$h" rm -f /run/docker/plugins/jovl.sock
  rm -f "$dir/jovl.pid"
  # sh records its own pid and then becomes java (exec), so jovl.pid is the JVM's pid
  jex_in "$h" setsid sh -c 'echo $$ > "$0"; exec "$@"' "$dir/jovl.pid" \
    "$(jex_java)" -XX:TieredStopAtLevel=1 -XX:-UsePerfData --enable-native-access=ALL-UNNAMED \
    -jar "$JEX_JAR" daemon --store "$(jex_kv_url)" --advertise eth0 --socket /run/docker/plugins/jovl.sock "$@" \
    </dev/null >>"$dir/jovl.log" 2>&1 &
  disown $! 2>/dev/null
  jex_wait 30 jex_jovl_socket_ready "$h" || jex_die "jovl on $h is not listening after 30 s (see $dir/jovl.log)"
}

jex_jovl_pid() { cat "$JEX_STATE/$1/jovl.pid" 2>/dev/null; }

jex_jovl_stop() {
  local h=$1 pid; pid=$(jex_jovl_pid "$h") || return 0
  jex_stop_pid "$pid" 10; rm -f "$JEX_STATE/$h/jovl.pid"
}

jex_jovl_kill9() {
  local h=$1 pid; pid=$(jex_jovl_pid "$h") || return 0
  kill -KILL "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$JEX_STATE/$h/jovl.pid"
}

# ---- jovl as a Docker managed plugin (examples/plugin/build.sh makes the directory) ---------------
JEX_PLUGIN_DIR=${JEX_PLUGIN_DIR:-$JEX_ROOT/examples/plugin/target/jovl}   # examples/plugin/build.sh writes it

# jex_plugin_install HOST: docker plugin create/set/enable jovl:latest; prints how long enable took.
jex_plugin_install() {
  local h=$1 dir="$JEX_STATE/$1" t0 t1
  [ -s "$JEX_PLUGIN_DIR/config.json" ] || jex_die "no plugin in $JEX_PLUGIN_DIR (run examples/plugin/build.sh)" || return 1
  mkdir -p "$dir/jovl-state"
  jex_docker "$h" plugin create jovl "$JEX_PLUGIN_DIR" >/dev/null || return 1
  jex_docker "$h" plugin set jovl:latest JOVL_STORE="$(jex_kv_url)" JOVL_ADVERTISE=eth0 state.source="$dir/jovl-state" \
    docker-socket.source="$dir/docker.sock" certs.source="$dir/jovl-state" || return 1
  t0=$EPOCHREALTIME
  jex_docker "$h" plugin enable jovl:latest >/dev/null || return 1
  t1=$EPOCHREALTIME
  # jovl logs (into dockerd's log) when its socket listens: that minus t0 is the plugin's start time
  local listen ls
  listen=$(grep -o '[0-9T:.-]*Z INFO PluginServer - listening' "$dir/dockerd.log" | tail -1 | cut -d' ' -f1)
  ls=$(date -d "$listen" +%s.%N 2>/dev/null || echo "")
  jex_log "$h: plugin jovl:latest enabled in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}') s" \
          "(Docker dials after 0.5 s, then every 3 s); listening $(awk -v a="$t0" -v b="$ls" 'BEGIN {if (b == "") print "?"; else printf "%.2f", b - a}') s after enable"
}
