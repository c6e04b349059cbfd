#!/usr/bin/env bash
# build.sh - makes jovl's Docker managed plugin directory (run as root: the training run uses
# namespaces and chroot).
#
#   examples/plugin/build.sh [--force] [OUT_DIR]        OUT_DIR default: examples/plugin/target/jovl
#
# OUT_DIR/config.json   docker.networkdriver/1.0 + docker.ipamdriver/1.0, host network,
#                       CAP_NET_ADMIN + CAP_SYS_ADMIN, /run/jovl as the propagated mount, settable JOVL_*
# OUT_DIR/rootfs/       a jlink'ed Java runtime (only the modules jovl needs), jovl.jar, Netty's epoll
#                       library unpacked, iptables-nft (swarm VIPs), the glibc files ldd lists, a CDS
#                       archive of jovl's start-up classes, /run/docker/plugins, /tmp,
#                       /etc/{passwd,group,nsswitch.conf}
# Then: examples/plugin/install.sh (docker plugin create/set/enable) on each Docker host.
#
# Builds driver/target/jovl.jar first if it is missing or older than the sources. Does nothing if
# OUT_DIR is newer than all of its inputs (the jar, this script, config.json, the JDK) unless --force.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
force=no
[ "${1:-}" = --force ] && { force=yes; shift; }
out=${1:-$here/target/jovl}
[ "$(id -u)" = 0 ] || { echo "build.sh: run as root (the CDS training run needs namespaces and chroot)" >&2; exit 2; }

# shellcheck source=../lib/jex.sh
. "$root/examples/lib/jex.sh"      # jex_build_jovl: builds the jar only when the sources changed
JEX_VERBOSE=${JEX_VERBOSE:-1}
jex_build_jovl
jar=$JEX_JAR
jdk=$(bash "$root/scripts/java25")
stamp=$out/.inputs
inputs="$(sha256sum "$jar" "$0" "$here/config.json" | cut -c1-64 | tr '\n' ' ') $(readlink -f "$jdk/bin/java")"
if [ $force = no ] && [ -s "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ] && [ -s "$out/config.json" ]; then
  echo "build.sh: $out is up to date"
  exit 0
fi

say() { printf '[plugin build] %s\n' "$*" >&2; }
rm -rf "$out"
rootfs=$out/rootfs
mkdir -p "$rootfs"
t0=$SECONDS

# ---- the runtime ----------------------------------------------------------------------------------
# jdeps lists every module the jar's classes name. Some of those references are in optional code
# that the libraries guard and jovl never reaches: Jackson's java.beans support (java.desktop),
# Netty's TLS (java.naming) and JFR events (jdk.jfr). They are left out (the desktop module alone is
# 13 MB). java.management stays: the JVM metrics of --metrics-listen read the platform MXBeans (and
# H2's memory probe uses it). java.sql stays: Jackson's date deserializers name
# java.sql types in their static initialiser. Run-time-only: Netty and Jackson reach
# sun.misc.Unsafe by reflection (jdk.unsupported). The training run below proves the set works.
# JOVL_PLUGIN_MODULES=a,b,c overrides the whole list.
if [ -n "${JOVL_PLUGIN_MODULES:-}" ]; then
  modules=$JOVL_PLUGIN_MODULES
else
  modules=$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$jar" |
            tr ',' '\n' | grep -vxE 'java.desktop|java.naming|jdk.jfr' | paste -sd,)
  modules=$(echo "$modules,jdk.unsupported" | tr ',' '\n' | sort -u | paste -sd,)
fi
say "jlink modules: $modules"
# --generate-cds-archive: the runtime's own class-data archive, the base of jovl's archive below
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --generate-cds-archive --output "$rootfs/opt/java"
# the archive for -XX:-UseCompressedOops (heaps over 32 GB) is never used by a plugin: 14 MB
rm -f "$rootfs/opt/java/lib/server/classes_nocoops.jsa"
# libjvm.so's symbol table (not needed to run; only crash reports name fewer functions): 5 MB
strip --strip-unneeded "$rootfs/opt/java/lib/server/libjvm.so"

# ---- jovl -----------------------------------------------------------------------------------------
mkdir -p "$rootfs/jovl/native"
cp "$jar" "$rootfs/jovl/jovl.jar"
# Netty loads its epoll library from java.library.path before it tries to unpack the copy inside the
# jar into /tmp: unpacked once here, every start skips the unpacking.
epoll=META-INF/native/libnetty_transport_native_epoll_x86_64.so
unzip -p "$jar" "$epoll" > "$rootfs/jovl/native/libnetty_transport_native_epoll_x86_64.so"
[ -s "$rootfs/jovl/native/libnetty_transport_native_epoll_x86_64.so" ] || { say "no $epoll in $jar"; exit 1; }

# ---- iptables-nft (the VIP load balancer of swarm services) -----------------------------------------
# jovl replaces the nat table of a network's sandbox namespace with iptables-nft-restore (never the
# host's tables). xtables-nft-multi, its iptables-nft-restore name, and its extensions (2 MB).
xt=/usr/sbin/xtables-nft-multi
xtlib=/usr/lib/x86_64-linux-gnu/xtables
[ -x "$xt" ] && [ -d "$xtlib" ] || { say "iptables (nft) missing: apt-get install iptables"; exit 1; }
mkdir -p "$rootfs/usr/sbin" "$rootfs$xtlib"
cp "$xt" "$rootfs/usr/sbin/"
ln -sf xtables-nft-multi "$rootfs/usr/sbin/iptables-nft-restore"
cp "$xtlib"/*.so "$rootfs$xtlib/"

# ---- the C libraries -------------------------------------------------------------------------------
# Whatever the runtime's launcher and libraries, Netty's library and iptables link (glibc, libz,
# libnftnl, libmnl, the loader), plus glibc's NSS modules for host names (the store's address may be a name).
libs=$(find "$rootfs/opt/java" "$rootfs/jovl/native" "$rootfs/usr/sbin" "$rootfs$xtlib" -type f \( -name '*.so' -o -path '*/bin/*' -o -path '*/sbin/*' \) -exec ldd {} \; 2>/dev/null |
       grep -o '/[^ ]*\.so[^ ]*' | sort -u)
for lib in $libs /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  case "$lib" in "$rootfs"*) continue ;; esac
  [ -e "$lib" ] || continue
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done
# /lib64/ld-linux-x86-64.so.2 is what the ELF headers name; Debian's /lib64 entry is a symlink
[ -e "$rootfs/lib64/ld-linux-x86-64.so.2" ] || { say "the dynamic loader was not copied"; exit 1; }

# ---- the rest of the file system ---------------------------------------------------------------------
mkdir -p "$rootfs"/{run/docker/plugins,run/jovl,tmp,etc,proc,sys,dev,var/lib/jovl}
chmod 1777 "$rootfs/tmp"
echo 'root:x:0:0:root:/:/bin/false' > "$rootfs/etc/passwd"
echo 'root:x:0:' > "$rootfs/etc/group"
echo 'hosts: files dns' > "$rootfs/etc/nsswitch.conf"
# Docker bind-mounts the host's /etc/hosts and /etc/resolv.conf over these
: > "$rootfs/etc/hosts"; : > "$rootfs/etc/resolv.conf"

# ---- JVM options (config.json's entrypoint) and the CDS archive -----------------------------------
# Start-up time is what matters: Docker gives up on a plugin whose socket is not answering 12.5 s
# after it started it (about 9.5 s of that is ours). C1 only, serial GC, no perf-data file, the
# unpacked Netty library, and the app class-data archive made by the training run below.
jvm_opts=(/opt/java/bin/java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData
          -Djava.library.path=/jovl/native --enable-native-access=ALL-UNNAMED)
cds_opts=(-XX:SharedArchiveFile=/jovl/jovl.jsa -Xlog:cds=off -Xlog:cds+dynamic=off)

# shellcheck source=training.sh
. "$here/training.sh"
if plugin_training_run "$rootfs" "${jvm_opts[@]}" -XX:ArchiveClassesAtExit=/jovl/jovl.jsa; then
  entry=("${jvm_opts[@]}" "${cds_opts[@]}")
  say "CDS archive: $(du -h "$rootfs/jovl/jovl.jsa" | cut -f1)"
else
  say "the training run failed: the plugin starts without a CDS archive"
  exit 1
fi

# ---- config.json ----------------------------------------------------------------------------------
json_entry=$(printf '"%s", ' "${entry[@]}"); json_entry=${json_entry%, }
sed "s|\"@JAVA_OPTIONS@\"|$json_entry|" "$here/config.json" > "$out/config.json"
jq -e .interface.socket "$out/config.json" >/dev/null || { say "$out/config.json does not parse"; exit 1; }

echo "$inputs" > "$stamp"
say "done in $((SECONDS - t0)) s: $out (rootfs $(du -sh "$rootfs" | cut -f1): runtime $(du -sh "$rootfs/opt/java" | cut -f1), jar $(du -h "$jar" | cut -f1))"
