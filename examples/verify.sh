#!/usr/bin/env bash
# verify.sh - checks that every pair of running containers on a Docker network can reach each other:
# ping by name, ping by IP, and HTTP GET by name and by IP (for targets listening on the HTTP port).
# Works on real hosts: give each Docker host with -H (or one via DOCKER_HOST), and the network name.
#
#   verify.sh [-H DOCKER_HOST]... [--http-port 80] [--tries N] NETWORK
#
# Containers are found with `docker ps --filter network=NETWORK` on every host given. Probes run
# inside the source container with its own `ping` and `wget` (busybox-like images); a container
# without them is reported as SKIP for the probes it cannot run. A target is HTTP-checked when
# /proc/net/tcp in it shows a listener on the HTTP port.
# Output: one line per check (PASS/FAIL/SKIP), then "N passed, N failed, N skipped".
# Exit code: 0 if nothing failed and at least one check passed, 1 otherwise, 2 on bad usage.
set -uo pipefail
DOCKER=${DOCKER:-docker}
hosts=(); port=80; tries=3; net=
usage() { sed -n '2,14p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    -H) [ $# -ge 2 ] || usage; hosts+=("$2"); shift 2 ;;
    --http-port) [ $# -ge 2 ] || usage; port=$2; shift 2 ;;
    --tries) [ $# -ge 2 ] || usage; tries=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "verify.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$net" ] || usage; net=$1; shift ;;
  esac
done
[ -n "$net" ] || usage
[ ${#hosts[@]} -gt 0 ] || hosts=("${DOCKER_HOST:-unix:///var/run/docker.sock}")
case "$port" in ''|*[!0-9]*) echo "verify.sh: bad --http-port $port" >&2; exit 2 ;; esac
case "$tries" in ''|*[!0-9]*|0) echo "verify.sh: bad --tries $tries" >&2; exit 2 ;; esac

pass=0; fail=0; skip=0
say() { printf '%-4s  %s\n' "$1" "$2"; case "$1" in PASS) pass=$((pass+1));; FAIL) fail=$((fail+1));; SKIP) skip=$((skip+1));; esac; }

# containers: parallel arrays of host, id, name, ip, serves-http
c_host=(); c_id=(); c_name=(); c_ip=(); c_http=()
porthex=$(printf '%04X' "$port")
for h in "${hosts[@]}"; do
  if ! "$DOCKER" -H "$h" network inspect "$net" >/dev/null 2>&1; then
    echo "verify.sh: network $net not found on $h" >&2; exit 1
  fi
  for id in $("$DOCKER" -H "$h" ps -q --filter "network=$net"); do
    line=$("$DOCKER" -H "$h" inspect -f "{{.Name}} {{with index .NetworkSettings.Networks \"$net\"}}{{.IPAddress}}{{end}}" "$id") || continue
    name=${line%% *}; name=${name#/}; ip=${line#* }
    [ -n "$ip" ] || continue
    http=no
    if "$DOCKER" -H "$h" exec "$id" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
         awk -v p=":$porthex" '$4 == "0A" && $2 ~ p"$" {found=1} END {exit !found}'; then http=yes; fi
    c_host+=("$h"); c_id+=("$id"); c_name+=("$name"); c_ip+=("$ip"); c_http+=("$http")
  done
done
n=${#c_id[@]}
echo "verify.sh: network $net, ${#hosts[@]} host(s), $n container(s):"
for ((i = 0; i < n; i++)); do echo "      ${c_name[$i]}  ${c_ip[$i]}  on ${c_host[$i]}  http:${c_http[$i]}"; done
if [ "$n" -lt 2 ]; then echo "verify.sh: need at least 2 running containers on $net" >&2; echo "0 passed, 1 failed"; exit 1; fi

# runs a probe in container i up to $tries times (1 s apart): convergence may take a moment
probe() {
  local i=$1 t; shift
  for ((t = 1; t <= tries; t++)); do
    "$DOCKER" -H "${c_host[$i]}" exec "${c_id[$i]}" "$@" >/dev/null 2>&1 && return 0
    [ $t -lt $tries ] && sleep 1
  done
  return 1
}
has() { "$DOCKER" -H "${c_host[$1]}" exec "${c_id[$1]}" sh -c "command -v $2" >/dev/null 2>&1; }

for ((i = 0; i < n; i++)); do
  hasping=no; haswget=no
  has "$i" ping && hasping=yes
  has "$i" wget && haswget=yes
  for ((j = 0; j < n; j++)); do
    [ $i = $j ] && continue
    from="${c_name[$i]} -> ${c_name[$j]}"
    for target in "${c_name[$j]}" "${c_ip[$j]}"; do
      kind=name; [ "$target" = "${c_ip[$j]}" ] && kind=ip
      if [ $hasping = no ]; then say SKIP "$from  ping by $kind ($target): no ping in ${c_name[$i]}"
      elif probe "$i" ping -c 1 -W 2 "$target"; then say PASS "$from  ping by $kind ($target)"
      else say FAIL "$from  ping by $kind ($target)"; fi
      [ "${c_http[$j]}" = yes ] || continue
      if [ $haswget = no ]; then say SKIP "$from  http by $kind: no wget in ${c_name[$i]}"
      elif probe "$i" timeout 5 wget -q -O /dev/null "http://$target:$port/"; then say PASS "$from  http by $kind (http://$target:$port/)"
      else say FAIL "$from  http by $kind (http://$target:$port/)"; fi
    done
  done
done
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ] && [ $pass -gt 0 ]
