# swarm.sh - Docker swarm mode on the simulated hosts of jex.sh, with jovl as a managed plugin
# (sourced after jex.sh). Swarm mode takes managed plugins only ("legacy plugin ... is not supported
# in swarm mode") and cannot be combined with a cluster store, so: dockerd without --cluster-store,
# jovl:latest on every host with JOVL_SCOPE=global, JOVL_STORE=etcd on the kv host and Docker's API
# socket mounted (VIP services come from its network inspect), installed before the host joins so
# the scheduler sees the plugin on every node from the start.
#
# Functions: jex_swarm_up N (= jex_swarm_hosts_up N: jex_up N standalone + the plugin on each, then
#            jex_swarm_form: swarm init on jex-h1, the others join as managers),
#            jex_swarm_plugin_install HOST, jex_swarm_leader, jex_dockerd_kill HOST.

# jex_swarm_plugin_install HOST: install.sh with the settings above; the plugin dir must be built
# (examples/plugin/build.sh).
jex_swarm_plugin_install() {
  local h=$1 dir="$JEX_STATE/$1"
  [ -s "$JEX_PLUGIN_DIR/config.json" ] || jex_die "no plugin in $JEX_PLUGIN_DIR (run examples/plugin/build.sh)" || return 1
  mkdir -p "$dir/jovl-state"
  bash "$JEX_ROOT/examples/plugin/install.sh" -H "unix://$(jex_sock "$h")" --dir "$JEX_PLUGIN_DIR" \
    JOVL_STORE="$(jex_kv_url)" JOVL_ADVERTISE=eth0 JOVL_SCOPE=global state.source="$dir/jovl-state" \
    docker-socket.source="$(jex_sock "$h")" >&2
}

# jex_swarm_hosts_up N: N hosts without cluster store, jovl:latest installed on each; no swarm yet.
jex_swarm_hosts_up() {
  local n=${1:-3} h pids=() p rc=0
  jex_up "$n" standalone || return 1
  for h in $(jex_hosts); do jex_swarm_plugin_install "$h" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [ $rc = 0 ] || { jex_die "the plugin did not install on every host"; return 1; }
}

# jex_swarm_form: swarm init on jex-h1, every other host joins as a manager (3 managers survive the
# loss of one); waits until every node is Ready.
jex_swarm_form() {
  local h token n
  n=$(jex_hosts | wc -l)
  jex_log "jex-h1: docker swarm init"
  jex_docker jex-h1 swarm init --advertise-addr "$(jex_host_ip jex-h1)" >/dev/null || return 1
  token=$(jex_docker jex-h1 swarm join-token -q manager) || return 1
  for h in $(jex_hosts); do
    [ "$h" = jex-h1 ] && continue
    jex_log "$h: docker swarm join (manager)"
    jex_docker "$h" swarm join --advertise-addr "$(jex_host_ip "$h")" --token "$token" "$(jex_host_ip jex-h1):2377" >/dev/null || return 1
  done
  jex_wait 60 jex_swarm_all_ready "$n" || { jex_die "not every node is Ready in the swarm"; return 1; }
  jex_log "swarm of $n managers up, jovl:latest on every node"
}

# jex_swarm_up N: both of the above.
jex_swarm_up() { jex_swarm_hosts_up "$@" && jex_swarm_form; }

jex_swarm_all_ready() {
  [ "$(jex_docker jex-h1 node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$')" = "$1" ]
}

# The host whose node is the raft leader, asked of any host that answers.
jex_swarm_leader() {
  local h
  for h in $(jex_hosts); do
    jex_docker "$h" node ls --format '{{.ManagerStatus}} {{.Hostname}}' 2>/dev/null | awk '$1 == "Leader" {print $2; f=1} END {exit !f}' && return 0
  done
  return 1
}

# jex_dockerd_kill HOST: stops a host's dockerd (SIGTERM, as a crash-free stop of the service would)
# without removing its containers first, unlike jex_dockerd_stop.
jex_dockerd_kill() {
  local f="$JEX_STATE/$1/docker.pid"
  [ -s "$f" ] || return 0
  jex_stop_pid "$(cat "$f")" 20
  rm -f "$f"
}
