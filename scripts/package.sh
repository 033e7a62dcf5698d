#!/usr/bin/env bash
# Builds the deployment zip: bootstrap at its root, the stripped release
# binary (Swift standard library linked statically), and every shared
# library it needs, glibc and its loader included, so the zip runs the same
# on provided.al2 (glibc 2.26) and provided.al2023 although it is built on
# Debian 12 (glibc 2.36). Connector/C's authentication plugins come along
# for MySQL 8's caching_sha2_password.
#
#   scripts/package.sh [OUTPUT_ZIP]     (default: dist/rotator.zip)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-$root/dist/rotator.zip}
case "$out" in /*) ;; *) out=$root/$out ;; esac

need=()
command -v zip >/dev/null || need+=(zip)
dpkg -s libmariadb-dev libcurl4-openssl-dev libssl-dev >/dev/null 2>&1 || need+=(libmariadb-dev libcurl4-openssl-dev libssl-dev)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# libstdc++ is linked statically too: the Swift runtime uses a sliver of it,
# and the linker's dead stripping (on by default in SwiftPM) keeps only that
# sliver (~0.1 MB) instead of shipping the whole 2.2 MB shared library. A
# directory holding only the archive, searched first, makes the runtime's
# `-lstdc++` pick the archive; its path is fixed so repeated builds stay
# incremental. libgcc_s stays shared (and shipped): glibc dlopens it to unwind.
static_libs=$root/.build/package-static-libs
mkdir -p "$static_libs"
ln -sf "$(g++ -print-file-name=libstdc++.a 2>/dev/null || echo /usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a)" \
    "$static_libs/libstdc++.a"
[ -e "$static_libs/libstdc++.a" ] || { echo "package.sh: libstdc++.a not found (install libstdc++-12-dev)" >&2; exit 1; }
# The prefix maps keep the checkout's path out of the binary (a fresh clone
# elsewhere, or sam build, gives the same bytes).
swift build -c release --static-swift-stdlib -Xswiftc -L"$static_libs" -Xlinker -s \
    -Xswiftc -file-prefix-map -Xswiftc "$root=." -Xcc -ffile-prefix-map="$root=." -Xlinker --build-id=none >&2

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib/mariadb-plugin"
cp bootstrap "$stage/bootstrap"
cp .build/release/rotator "$stage/rotator"
# swiftc keeps a hash of each module's LLVM IR (.swift_modhash) for its own
# incremental builds; it changes with the checkout's path, and nothing reads
# it at run time. Zeroed in place (same size, same layout), so the binary
# depends on the sources alone.
objcopy --dump-section .swift_modhash="$stage/modhash" "$stage/rotator" 2>/dev/null &&
    head -c "$(stat -c %s "$stage/modhash")" /dev/zero >"$stage/modhash" &&
    objcopy --update-section .swift_modhash="$stage/modhash" "$stage/rotator"
rm -f "$stage/modhash"
chmod 755 "$stage/bootstrap" "$stage/rotator"

plugin_dir=$(pkg-config --variable=plugindir libmariadb 2>/dev/null || true)
[ -d "$plugin_dir" ] || plugin_dir=/usr/lib/x86_64-linux-gnu/libmariadb3/plugin
# The plugins a client needs to log in to MySQL 8 and MariaDB; the rest
# (Kerberos, PAM dialogs) would pull in large libraries nobody here uses.
for plugin in caching_sha2_password sha256_password client_ed25519 mysql_clear_password; do
    [ -f "$plugin_dir/$plugin.so" ] && cp "$plugin_dir/$plugin.so" "$stage/lib/mariadb-plugin/"
done

# Every library the binary and the plugins load, resolved by the build
# machine's loader, copied under its soname.
copy_dependencies() {
    ldd "$1" | awk '/=> \// { print $1, $3 } /^\t\/.*ld-linux/ { print "LOADER", $1 }' |
        while read -r name path; do
            if [ "$name" = LOADER ]; then
                cp -L "$path" "$stage/lib/ld-linux-x86-64.so.2"
            elif [ ! -f "$stage/lib/$name" ]; then
                cp -L "$path" "$stage/lib/$name"
            fi
        done
}
copy_dependencies "$stage/rotator"
if readelf -d "$stage/rotator" | grep -q 'libstdc++'; then
    echo "package.sh: the binary still needs libstdc++.so; static linking did not take" >&2
    exit 1
fi
# glibc dlopens libgcc_s for pthread_cancel and backtrace(); no DT_NEEDED names it.
[ -f "$stage/lib/libgcc_s.so.1" ] || cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$stage/lib/"
for plugin in "$stage"/lib/mariadb-plugin/*.so; do copy_dependencies "$plugin"; done
strip --strip-unneeded "$stage"/lib/*.so* "$stage"/lib/mariadb-plugin/*.so 2>/dev/null || true
chmod 755 "$stage/lib/ld-linux-x86-64.so.2"

mkdir -p "$(dirname "$out")"
rm -f "$out"
# Reproducible: every entry has the same time (the last commit's, as
# SOURCE_DATE_EPOCH says, else 1980-01-01), the entries are sorted, and -X
# leaves out owner ids and extra timestamps. Same sources, same zip.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}
find "$stage" -exec touch -h -d "@$epoch" {} +
(cd "$stage" && find bootstrap rotator lib -type f | LC_ALL=C sort | TZ=UTC zip -q -9 -X -D "$out" -@)
size=$(stat -c %s "$out")
echo "$out"
echo "zip size: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)" >&2
