# training.sh - sourced by build.sh: one run of the finished plugin rootfs, the way Docker will run
# it, to check the runtime is complete and to record the classes jovl loads (the CDS archive).
#
# plugin_training_run ROOTFS JAVA [JVM OPTIONS...]
#   Runs `JAVA OPTIONS -jar /jovl/jovl.jar daemon` chrooted into ROOTFS, in new network, mount and
#   pid namespaces (so every link it makes is in a namespace of its own and everything goes when the
#   run ends), with a dummy "underlay" interface and the embedded store in the rootfs's /tmp. Then it
#   plays Docker for one network's life over the plugin socket: capabilities, pool, gateway,
#   CreateNetwork, an endpoint created, joined, left and deleted, the network and pool released.
#   Every answer must be HTTP 200 without an error. Then SIGTERM; the JVM's exit writes the archive.
#   Returns non-zero (with the daemon's log) if anything failed. Leaves nothing behind in ROOTFS
#   except what the JVM wrote at exit.

plugin_training_run() {
  local rootfs=$1; shift
  local log; log=$(mktemp /tmp/jovl-plugin-training.XXXXXX)
  local sock=$rootfs/run/docker/plugins/jovl.sock ok=yes pid
  pid=$(plugin_chroot_start "$rootfs" "$log" "$@")
  plugin_wait_socket "$sock" "$pid" 60 && plugin_training_requests "$sock" || ok=no
  plugin_chroot_stop "$pid" || ok=no
  rm -f "$sock"
  if [ $ok = no ]; then
    echo "training run failed; daemon log:" >&2; sed 's/^/    /' "$log" >&2
  fi
  rm -f "$log"
  [ $ok = yes ]
}

# plugin_chroot_start ROOTFS LOG JAVA [OPTIONS...]: starts the daemon as described above, in the
# background; prints the pid to stop it with (plugin_chroot_stop).
plugin_chroot_start() {
  local rootfs=$1 log=$2; shift 2
  rm -f "$rootfs/run/docker/plugins/jovl.sock"
  # the inner shell: underlay, proc, then exec into the chroot (pid 1 of the new pid namespace)
  # shellcheck disable=SC2016
  unshare --net --mount --pid --fork --propagation private sh -c '
      set -e
      r=$1; shift
      ip link set lo up
      ip link add jplt0 type veth peer name jplt1 && ip link set jplt1 up && ip addr add 10.253.0.1/24 dev jplt0 && ip link set jplt0 up
      ip route add default via 10.253.0.254 dev jplt0
      mount -t proc proc "$r/proc"
      mount -t tmpfs -o mode=1777 tmp "$r/tmp"
      mount -t tmpfs -o mode=755 run-jovl "$r/run/jovl"
      mount -t sysfs sys "$r/sys" 2>/dev/null || true
      export JOVL_STORE=file:/tmp/store JOVL_ADVERTISE=jplt0
      exec chroot "$r" "$@" -jar /jovl/jovl.jar daemon
    ' training "$rootfs" "$@" >"$log" 2>&1 </dev/null &
  echo $!
}

# plugin_wait_socket SOCKET PID SECS: waits until the socket exists (fails if PID exits or time is up)
plugin_wait_socket() {
  local sock=$1 pid=$2 end=$((SECONDS + $3))
  until [ -S "$sock" ]; do
    if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $end ]; then return 1; fi
    sleep 0.005
  done
}

# plugin_chroot_stop PID: SIGTERM to the JVM (pid 1 inside; its exit writes the archive), bounded
# wait, then SIGKILL (and a non-zero return). The rootfs's socket file is removed.
plugin_chroot_stop() {
  local pid=$1 child waited=0 rc=0
  child=$(pgrep -P "$pid" | head -1)
  [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 300 ]; do sleep 0.1; waited=$((waited + 1)); done
  if kill -0 "$pid" 2>/dev/null; then
    [ -n "$child" ] && kill -KILL "$child" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null; rc=1
  fi
  wait "$pid" 2>/dev/null
  return $rc
}

# plugin_call SOCKET METHOD [BODY]: POSTs like Docker does; prints the body; fails on non-200 or an
# "Err"/"Error" field.
plugin_call() {
  local sock=$1 method=$2 body=${3:-} out code
  out=$(curl -sS --max-time 20 --unix-socket "$sock" -H 'Accept: application/vnd.docker.plugins.v1.2+json' \
        -X POST --data-binary "$body" -w '\n%{http_code}' "http://plugin.moby.localhost/$method") || return 1
  code=${out##*$'\n'}; out=${out%$'\n'*}
  if [ "$code" != 200 ] || printf '%s' "$out" | jq -e '(.Err // .Error // "") != ""' >/dev/null; then
    echo "training: $method -> HTTP $code $out" >&2
    return 1
  fi
  printf '%s' "$out"
}

plugin_training_requests() {
  local s=$1 pool gw net=7a11ed0000000000000000000000000000000000000000000000000000000001
  local ep=7a11ed0000000000000000000000000000000000000000000000000000000002 ip
  plugin_call "$s" NetworkDriver.GetCapabilities >/dev/null &&
  plugin_call "$s" IpamDriver.GetCapabilities >/dev/null &&
  plugin_call "$s" IpamDriver.GetDefaultAddressSpaces >/dev/null &&
  pool=$(plugin_call "$s" IpamDriver.RequestPool \
         '{"AddressSpace":"GlobalDefault","Pool":"10.252.7.0/24","SubPool":"","Options":{},"V6":false}' | jq -r .PoolID) &&
  gw=$(plugin_call "$s" IpamDriver.RequestAddress \
       "{\"PoolID\":\"$pool\",\"Address\":\"\",\"Options\":{\"RequestAddressType\":\"com.docker.network.gateway\"}}" | jq -r .Address) &&
  plugin_call "$s" NetworkDriver.CreateNetwork \
    "{\"NetworkID\":\"$net\",\"Options\":{\"com.docker.network.enable_ipv6\":false,\"com.docker.network.generic\":{}},\"IPv4Data\":[{\"AddressSpace\":\"GlobalDefault\",\"Pool\":\"10.252.7.0/24\",\"Gateway\":\"$gw\",\"AuxAddresses\":{}}],\"IPv6Data\":[]}" >/dev/null &&
  ip=$(plugin_call "$s" IpamDriver.RequestAddress "{\"PoolID\":\"$pool\",\"Address\":\"\",\"Options\":null}" | jq -r .Address) &&
  plugin_call "$s" NetworkDriver.CreateEndpoint \
    "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\",\"Interface\":{\"Address\":\"$ip\",\"AddressIPv6\":\"\",\"MacAddress\":\"\"},\"Options\":{}}" >/dev/null &&
  plugin_call "$s" NetworkDriver.Join \
    "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\",\"SandboxKey\":\"/var/run/docker/netns/7a11ed\",\"Options\":{}}" >/dev/null &&
  plugin_call "$s" NetworkDriver.EndpointOperInfo "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\"}" >/dev/null &&
  plugin_call "$s" NetworkDriver.Leave "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\"}" >/dev/null &&
  plugin_call "$s" NetworkDriver.DeleteEndpoint "{\"NetworkID\":\"$net\",\"EndpointID\":\"$ep\"}" >/dev/null &&
  plugin_call "$s" IpamDriver.ReleaseAddress "{\"PoolID\":\"$pool\",\"Address\":\"${ip%/*}\"}" >/dev/null &&
  plugin_call "$s" NetworkDriver.DeleteNetwork "{\"NetworkID\":\"$net\"}" >/dev/null &&
  plugin_call "$s" IpamDriver.ReleaseAddress "{\"PoolID\":\"$pool\",\"Address\":\"${gw%/*}\"}" >/dev/null &&
  plugin_call "$s" IpamDriver.ReleasePool "{\"PoolID\":\"$pool\"}" >/dev/null
}
