#!/usr/bin/env bash
# load.sh - hostile clients against one jovl daemon, and what it costs the daemon (issue 14).
#
#   examples/load.sh            (root; builds nothing: needs driver/target/jovl.jar, or JOVL_JAR=FILE)
#
# Runs jovl (--scope local, embedded store, DNS responder on its VTEP address) in a network
# namespace of its own, with a veth "underlay" to a second namespace playing a stranger on the
# underlay, and a careless upstream DNS server (answers ~1 KB to anything) on the daemon's
# loopback. Then, bounded in count and time:
#   plugin socket  500 idle connections; 600 partial 1 MiB bodies (900 KiB sent, then silence);
#                  250 bodies trickled in 100-byte pieces
#   input          5,000 unique 404 paths, 5,000 ReleaseAddress to unknown pools (the size of
#                  /Jovl.Status), 600 create/delete cycles of a 250 KiB network record (store file)
#   DNS, stranger  20,000 UDP "ANY ." queries with EDNS 4096 from the underlay; 130 slow TCP connections
#   DNS, host      2,000 UDP queries from the host itself (allowed: rate-limited, answers fitted to the
#                  query); 130 slow TCP connections
# The daemon runs with -Xmx256m, which also caps its direct memory (Netty's) at 256 MiB, so an
# exhaustion shows as OutOfDirectMemoryError in its log (counted at the end). It
# prints the daemon's RSS, threads, open fds and NMT "Other" (JDK direct buffers; Netty's own
# direct memory does not show there, RSS does) before, at the peak
# and after. Everything (processes, namespaces, files) is removed at the end, also on Ctrl-C.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
jar=${JOVL_JAR:-$root/driver/target/jovl.jar}   # JOVL_JAR: another build, to compare
[ "$(id -u)" = 0 ] || { echo "load.sh: needs root (network namespaces)" >&2; exit 2; }
[ -f "$jar" ] || { echo "load.sh: build first: ./mvnw -B -q -pl driver -am package -DskipTests" >&2; exit 2; }
JAVA_HOME=${JAVA_HOME:-$(bash "$root/scripts/java25")}
ns=jovl-load-$$; stranger=jovl-load-$$-x; tmp=$(mktemp -d /tmp/jovl-load.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null; ip netns del "$stranger" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

ip netns add "$ns" && ip netns add "$stranger" || exit 1
ip -n "$ns" link set lo up; ip -n "$stranger" link set lo up
ip link add "jl$$a" netns "$ns" type veth peer name "jl$$b" netns "$stranger" || exit 1
ip -n "$ns" addr add 198.51.100.1/24 dev "jl$$a"; ip -n "$ns" link set "jl$$a" up
ip -n "$stranger" addr add 198.51.100.2/24 dev "jl$$b"; ip -n "$stranger" link set "jl$$b" up

ip netns exec "$ns" timeout 120 python3 "$here/load/load.py" upstream 127.0.0.1 5300 110 & pids+=($!)
ip netns exec "$ns" timeout 120 "$JAVA_HOME/bin/java" -XX:NativeMemoryTracking=summary -Xmx256m -jar "$jar" daemon \
  --scope local --advertise "jl$$a" --host-id load --store "file:$tmp/store" --socket "$tmp/jovl.sock" \
  --run-dir "$tmp/run" --dns-listen 198.51.100.1:53 --dns-upstream 127.0.0.1:5300 \
  --docker-socket "$tmp/no-docker.sock" > "$tmp/daemon.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do [ -S "$tmp/jovl.sock" ] && break; sleep 0.2; done
sleep 3
pid=$(for p in $(pgrep -f -- "--socket $tmp/jovl.sock"); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = java ] && echo "$p"; done | head -1)
[ -n "$pid" ] || { echo "load.sh: the daemon did not start:"; cat "$tmp/daemon.log"; exit 1; }

resources() {
  local rss threads fds other
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status"); threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  other=$("$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary scale=MB 2>/dev/null | grep -A1 -- "- *Other" | grep -o "committed=[0-9]*MB" | head -1)
  printf '%-10s [%3ds] RSS %4d MiB  threads %3d  fds %4d  NMT Other %s\n' "$1" "$SECONDS" $((rss / 1024)) "$threads" "$fds" "${other:-?}"
}

resources before
mkfifo "$tmp/go"
python3 "$here/load/load.py" plugin "$tmp/jovl.sock" < "$tmp/go" | while IFS= read -r line; do
  if [ "$line" = RESOURCES-PEAK ]; then resources peak; echo > "$tmp/go"; else echo "$line"; fi
done &
exec 3> "$tmp/go"; wait $!; exec 3>&-
python3 "$here/load/load.py" input "$tmp/jovl.sock" "$tmp/store/jovl-store.mv.db"
resources after-input
FROM=underlay ip netns exec "$stranger" timeout 60 python3 "$here/load/load.py" dns-udp 198.51.100.1 53 20000
FROM=host ip netns exec "$ns" timeout 60 python3 "$here/load/load.py" dns-udp 198.51.100.1 53 2000
FROM=underlay ip netns exec "$stranger" timeout 60 python3 "$here/load/load.py" dns-tcp 198.51.100.1 53 130 &
tcp_pid=$!
FROM=host ip netns exec "$ns" timeout 60 python3 "$here/load/load.py" dns-tcp 198.51.100.1 53 130
wait "$tcp_pid"
resources during-dns
sleep 2
curl_like() { printf 'POST /Jovl.Status HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}' \
  | timeout 5 python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(sys.stdin.buffer.read()); print(s.recv(12).decode())" "$tmp/jovl.sock"; }
echo "after the load, a request: $(curl_like)"
resources after
echo "daemon log: $(grep -c WARN "$tmp/daemon.log") WARN lines, $(grep -c ERROR "$tmp/daemon.log") ERROR lines," \
  "$(grep -c OutOfDirectMemoryError "$tmp/daemon.log") OutOfDirectMemoryError"
grep -m3 "answered 503\|answered 408" "$tmp/daemon.log"
