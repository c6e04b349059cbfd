#!/usr/bin/env bash
# plugin/build.sh - makes the Docker managed plugin directory for jovl:
#   examples/target/plugin/config.json   docker.networkdriver/1.0 + docker.ipamdriver/1.0, host network,
#                                        CAP_NET_ADMIN + CAP_SYS_ADMIN, /run/jovl mount, settable JOVL_*
#   examples/target/plugin/rootfs/       a jlink'ed Java runtime (only the modules jdeps finds in
#                                        jovl.jar), the glibc libraries it links, and the jar
# Then, on a Docker host:  docker plugin create jovl examples/target/plugin
#                          docker plugin set jovl:latest JOVL_STORE=etcd://kv:2379
#                          docker plugin enable jovl:latest
# Usage: examples/plugin/build.sh [OUT_DIR]      (needs driver/target/jovl.jar; JDK 25 via scripts/java25)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/examples/target/plugin}
jar=${JEX_JAR:-$root/driver/target/jovl.jar}
[ -s "$jar" ] || { echo "plugin/build.sh: $jar missing; build it: ./mvnw -pl driver -am package -DskipTests" >&2; exit 1; }
jdk=$(bash "$root/scripts/java25")

# up to date? (the jar and this script are the inputs)
if [ -s "$out/config.json" ] && [ "$out/config.json" -nt "$jar" ] && [ "$out/config.json" -nt "$0" ] && [ "$out/config.json" -nt "$here/config.json" ]; then
  echo "plugin/build.sh: $out is up to date"; exit 0
fi
rm -rf "$out"; mkdir -p "$out/rootfs"
rootfs=$out/rootfs

modules=$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 "$jar")
echo "plugin/build.sh: jlink modules: $modules"
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$rootfs/opt/java"
# class-data sharing archive of the runtime's own classes: a faster JVM start
"$rootfs/opt/java/bin/java" -Xshare:dump >/dev/null 2>&1 || true

mkdir -p "$rootfs/jovl" "$rootfs/run/docker/plugins" "$rootfs/run/jovl" "$rootfs/tmp" "$rootfs/etc" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/var/lib/jovl"
chmod 1777 "$rootfs/tmp"
cp "$jar" "$rootfs/jovl/jovl.jar"
# glibc and friends: whatever the runtime's binaries and libraries link, plus Netty's epoll library
libs=$( (find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} \; 2>/dev/null;
         unzip -p "$jar" META-INF/native/libnetty_transport_native_epoll_x86_64.so > "$out/epoll.so" && ldd "$out/epoll.so") |
       grep -o '/[^ ]*\.so[^ ]*' | sort -u)
rm -f "$out/epoll.so"
for lib in $libs; do
  case "$lib" in "$rootfs"*) continue ;; esac
  mkdir -p "$rootfs$(dirname "$lib")"; cp -L "$lib" "$rootfs$lib"
done
# name lookups (the store's host name) go through NSS: files and dns
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libresolv.so.2; do
  [ -e "$lib" ] && { mkdir -p "$rootfs$(dirname "$lib")"; cp -L "$lib" "$rootfs$lib"; }
done
echo 'hosts: files dns' > "$rootfs/etc/nsswitch.conf"
echo 'root:x:0:0:root:/:/bin/false' > "$rootfs/etc/passwd"
cp "$here/config.json" "$out/config.json"
echo "plugin/build.sh: $out ($(du -sh "$rootfs" | cut -f1) rootfs, runtime $(du -sh "$rootfs/opt/java" | cut -f1), jar $(du -h "$jar" | cut -f1))"
