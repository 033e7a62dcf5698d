#!/usr/bin/env bash
# Builds the deployment zip: bootstrap at its root, the stripped release
# binary (Swift standard library linked statically), and every shared
# library it needs, glibc and its loader included, so the zip runs the same
# on provided.al2 (glibc 2.26) and provided.al2023 although it is built on
# Debian 12 (glibc 2.36). Connector/C's authentication plugins come along
# for MySQL 8's caching_sha2_password.
#
#   scripts/package.sh [--partition P] [--ca-bundle FILE | --no-ca-bundle]
#                      [--print-ca-source] [OUTPUT_ZIP]
#                                       (default OUTPUT_ZIP: dist/rotator.zip)
#
# The database CA bundle (PEM certificates, e.g. RDS's global-bundle.pem)
# goes into the zip as ca/db-ca-bundle.pem, where bootstrap makes it the
# function's DB_CA_BUNDLE unless DB_CA_BUNDLE is set. It comes from, first
# found: --ca-bundle FILE, ROTATOR_CA_BUNDLE=FILE, RDS's bundle for
# --partition P (downloaded), the checkout's ca/db-ca-bundle.pem
# (git-ignored; what `sam build` picks up), the zip being replaced.
# --no-ca-bundle leaves it out. The build says which bundle and how many
# certificates, and warns when there is none.
#
# Each AWS partition has its own RDS CA bundle (docs/tls.md): aws,
# aws-us-gov and aws-cn are known here. Any other partition is refused
# unless --ca-bundle FILE or --no-ca-bundle says what to ship instead.
# --print-ca-source prints where the bundle would come from and stops,
# before downloading or building anything.
#
# The zip also holds sbom.cdx.json (CycloneDX: every shipped library with
# its Debian package and version), written next to the zip as well
# (OUTPUT_ZIP without .zip, plus .sbom.cdx.json).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
ca_bundle=${ROTATOR_CA_BUNDLE:-}
drop_ca_bundle=false
partition=
print_ca_source=false
out=
while [ $# -gt 0 ]; do
    case "$1" in
        --ca-bundle) [ $# -ge 2 ] || { echo "package.sh: --ca-bundle needs a file" >&2; exit 2; }
                     ca_bundle=$2; shift 2 ;;
        --ca-bundle=*) ca_bundle=${1#--ca-bundle=}; shift ;;
        --no-ca-bundle) drop_ca_bundle=true; shift ;;
        --partition) [ $# -ge 2 ] || { echo "package.sh: --partition needs a name (aws, aws-us-gov, aws-cn)" >&2; exit 2; }
                     partition=$2; shift 2 ;;
        --partition=*) partition=${1#--partition=}; shift ;;
        --print-ca-source) print_ca_source=true; shift ;;
        -h|--help) sed -n '2,31p' "$0" >&2; exit 0 ;;
        -*) echo "package.sh: unknown option $1" >&2; exit 2 ;;
        *) [ -z "$out" ] || { echo "package.sh: one OUTPUT_ZIP only" >&2; exit 2; }
           out=$1; shift ;;
    esac
done
out=${out:-$root/dist/rotator.zip}
case "$out" in /*) ;; *) out=$root/$out ;; esac

# The CA bundle is checked before the (long) build: a file that holds no
# certificate OpenSSL can read would only fail at the first rotation.
check_ca_bundle() {
    grep -q -- '-----BEGIN CERTIFICATE-----' "$1" 2>/dev/null &&
        openssl x509 -in "$1" -noout 2>/dev/null
}
# RDS's bundle of every Region of a partition, from the RDS User Guide's
# "Using SSL/TLS to encrypt a connection to a DB instance or cluster"
# (docs.aws.amazon.com; docs.amazonaws.cn for China).
rds_bundle_url() {
    case "$1" in
        aws) echo https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem ;;
        aws-us-gov) echo https://truststore.pki.us-gov-west-1.rds.amazonaws.com/global/global-bundle.pem ;;
        aws-cn) echo https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/global/global-bundle.pem ;;
        *) return 1 ;;
    esac
}
ca_source=
ca_url=
if [ -n "$partition" ] && ! rds_bundle_url "$partition" >/dev/null; then
    if [ -z "$ca_bundle" ] && ! $drop_ca_bundle; then
        echo "package.sh: no RDS CA bundle is known for partition $partition (known: aws, aws-us-gov, aws-cn); pass --ca-bundle FILE with your database's CA, or --no-ca-bundle to ship none" >&2
        exit 2
    fi
fi
if $drop_ca_bundle; then
    [ -z "$ca_bundle" ] || { echo "package.sh: --ca-bundle and --no-ca-bundle together" >&2; exit 2; }
elif [ -n "$ca_bundle" ]; then
    [ -f "$ca_bundle" ] || { echo "package.sh: CA bundle $ca_bundle: no such file" >&2; exit 1; }
    check_ca_bundle "$ca_bundle" || { echo "package.sh: $ca_bundle holds no PEM certificate" >&2; exit 1; }
    ca_source="$ca_bundle"
elif [ -n "$partition" ]; then
    ca_url=$(rds_bundle_url "$partition")
    ca_source="$ca_url (RDS, partition $partition)"
elif [ -f "$root/ca/db-ca-bundle.pem" ]; then
    check_ca_bundle "$root/ca/db-ca-bundle.pem" || { echo "package.sh: ca/db-ca-bundle.pem holds no PEM certificate" >&2; exit 1; }
    ca_bundle="$root/ca/db-ca-bundle.pem"
    ca_source="ca/db-ca-bundle.pem in the checkout"
fi
if $print_ca_source; then
    if [ -n "$ca_source" ]; then
        echo "database CA bundle: $ca_source"
    elif $drop_ca_bundle; then
        echo "database CA bundle: none (--no-ca-bundle)"
    else
        echo "database CA bundle: the one in the zip being replaced, if any; else none"
    fi
    exit 0
fi
if [ -n "$ca_url" ]; then
    # Over verified HTTPS only; a download that is not a readable bundle stops the build.
    ca_download=$(mktemp)
    trap 'rm -f "$ca_download"' EXIT
    curl -fsSL --proto '=https' --retry 2 -o "$ca_download" "$ca_url" ||
        { echo "package.sh: cannot download $ca_url; download it yourself and pass --ca-bundle FILE" >&2; exit 1; }
    check_ca_bundle "$ca_download" || { echo "package.sh: $ca_url holds no PEM certificate" >&2; exit 1; }
    ca_bundle=$ca_download
fi

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
# libcurl, Connector/C and OpenSSL are linked statically as well, for the
# cold start: at 128 MB Lambda gives the function 7 ms of CPU per 100 ms, and
# a start-up that needs more waits for the next period (docs/performance.md).
# Debian's libcurl.so.4 alone loaded 26 libraries the function never uses
# (gnutls, nettle, gmp, ldap, sasl2, krb5, rtmp, ssh2, ...); mapping them and
# resolving their symbols was most of the start-up. Debian's own archives
# are linked (libcurl.a from libcurl4-openssl-dev, libmariadb.a from
# libmariadb-dev, libssl.a and libcrypto.a from libssl-dev); zlib and glibc
# stay shared, and scripts/curl_unused.c stands in for the libraries
# libcurl.a was built with and this function never calls. A pkg-config file
# of our own puts this directory first among the -L paths, where an archive
# (or a linker script naming an archive and what it needs, in order) answers
# each -l that SwiftPM passes.
libdir=$(pkg-config --variable=libdir libcurl 2>/dev/null || echo /usr/lib/x86_64-linux-gnu)
static_archives=()
for archive in libcurl.a libmariadb.a libssl.a libcrypto.a; do
    [ -f "$libdir/$archive" ] || { echo "package.sh: $libdir/$archive not found (libcurl4-openssl-dev, libmariadb-dev and libssl-dev ship it)" >&2; exit 1; }
    static_archives+=("$libdir/$archive")
done
# Any C compiler: the system's, else the clang that comes with Swift.
c_compiler=$(command -v cc || command -v clang) || { echo "package.sh: no C compiler (cc or clang)" >&2; exit 1; }
"$c_compiler" -O2 -Wall -Werror -ffunction-sections -c scripts/curl_unused.c -o "$static_libs/curl_unused.o"
rm -f "$static_libs/libcurl_unused.a"
ar rcD "$static_libs/libcurl_unused.a" "$static_libs/curl_unused.o"
write_if_changed() {  # FILE: stdin, written only when it differs (keeps the build incremental)
    cat >"$1.new"
    if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv -f "$1.new" "$1"; fi
}
echo "INPUT ( $libdir/libcurl.a $static_libs/libcurl_unused.a -lssl -lcrypto -lz )" | write_if_changed "$static_libs/libcurl.a"
echo "INPUT ( $libdir/libmariadb.a -lssl -lcrypto -lz )" | write_if_changed "$static_libs/libmariadb.a"
ln -sf "$libdir/libssl.a" "$static_libs/libssl.a"
ln -sf "$libdir/libcrypto.a" "$static_libs/libcrypto.a"
{
    echo "Name: libcurl"
    echo "Description: Debian's libcurl.a, linked statically by scripts/package.sh"
    echo "Version: $(pkg-config --modversion libcurl)"
    echo "Libs: -L$static_libs -lcurl"
    echo "Cflags: $(pkg-config --cflags libcurl)"
} | write_if_changed "$static_libs/libcurl.pc"
# SwiftPM relinks only when an object changed: a binary linked against the
# shared libraries before is linked again.
if [ -f .build/release/rotator ] && readelf -d .build/release/rotator | grep -Eq 'lib(curl|mariadb|ssl|crypto)\.so'; then
    rm -f .build/release/rotator
fi
# The prefix maps keep the checkout's path out of the binary (a fresh clone
# elsewhere, or sam build, gives the same bytes).
PKG_CONFIG_PATH="$static_libs${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" swift build -c release --static-swift-stdlib -Xswiftc -L"$static_libs" -Xlinker -s \
    -Xswiftc -file-prefix-map -Xswiftc "$root=." -Xcc -ffile-prefix-map="$root=." -Xlinker --build-id=none >&2

stage=$(mktemp -d)
trap 'rm -rf "$stage" "${ca_download:-}"' EXIT
mkdir -p "$stage/lib/mariadb-plugin"
if [ -n "$ca_source" ]; then
    mkdir -p "$stage/ca"
    cp "$ca_bundle" "$stage/ca/db-ca-bundle.pem"
elif ! $drop_ca_bundle && [ -f "$out" ] && unzip -l "$out" ca/db-ca-bundle.pem >/dev/null 2>&1; then
    # A rebuild keeps the bundle the zip it replaces was given.
    mkdir -p "$stage/ca"
    unzip -p "$out" ca/db-ca-bundle.pem >"$stage/ca/db-ca-bundle.pem"
    check_ca_bundle "$stage/ca/db-ca-bundle.pem" || { echo "package.sh: the CA bundle in $out is unreadable; pass --ca-bundle FILE or --no-ca-bundle" >&2; exit 1; }
    ca_source="the previous $out"
fi
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
# The plugins a client needs to log in to MySQL 8 and MariaDB. Not
# mysql_clear_password or dialog: they hand the password over as text, which
# the function never does (it refuses them anyway, see AuthenticationPolicy);
# not Kerberos either, which would pull in large libraries nobody here uses.
for plugin in caching_sha2_password sha256_password client_ed25519; do
    [ -f "$plugin_dir/$plugin.so" ] && cp "$plugin_dir/$plugin.so" "$stage/lib/mariadb-plugin/"
done

# Where each shipped library came from, for the SBOM: "path in zip<TAB>host path".
origins=$(mktemp)
trap 'rm -rf "$stage" "$origins" "${ca_download:-}"' EXIT
for plugin in "$stage"/lib/mariadb-plugin/*.so; do
    printf 'lib/mariadb-plugin/%s\t%s\n' "${plugin##*/}" "$plugin_dir/${plugin##*/}" >>"$origins"
done

# Every library the binary and the plugins load, resolved by the build
# machine's loader, copied under its soname.
copy_dependencies() {
    ldd "$1" | awk '/=> \// { print $1, $3 } /^\t\/.*ld-linux/ { print "LOADER", $1 }' |
        while read -r name path; do
            if [ "$name" = LOADER ]; then
                cp -L "$path" "$stage/lib/ld-linux-x86-64.so.2"
                printf 'lib/ld-linux-x86-64.so.2\t%s\n' "$path" >>"$origins"
            elif [ ! -f "$stage/lib/$name" ]; then
                cp -L "$path" "$stage/lib/$name"
                printf 'lib/%s\t%s\n' "$name" "$path" >>"$origins"
            fi
        done
}
copy_dependencies "$stage/rotator"
if readelf -d "$stage/rotator" | grep -q 'libstdc++'; then
    echo "package.sh: the binary still needs libstdc++.so; static linking did not take" >&2
    exit 1
fi
if readelf -d "$stage/rotator" | grep -Eq 'lib(curl|mariadb|ssl|crypto)\.so'; then
    echo "package.sh: the binary still needs libcurl, libmariadb or OpenSSL as shared libraries; static linking did not take" >&2
    exit 1
fi
# glibc dlopens libgcc_s for pthread_cancel and backtrace(); no DT_NEEDED names it.
if [ ! -f "$stage/lib/libgcc_s.so.1" ]; then
    cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$stage/lib/"
    printf 'lib/libgcc_s.so.1\t%s\n' /lib/x86_64-linux-gnu/libgcc_s.so.1 >>"$origins"
fi
for plugin in "$stage"/lib/mariadb-plugin/*.so; do copy_dependencies "$plugin"; done
strip --strip-unneeded "$stage"/lib/*.so* "$stage"/lib/mariadb-plugin/*.so 2>/dev/null || true
chmod 755 "$stage/lib/ld-linux-x86-64.so.2"

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}
# The bill of materials: what Lambda's runtime patches never reach (see docs/deploy.md).
python3 "$root/scripts/sbom.py" --stage "$stage" --origins "$origins" \
    --static-stdlib "$static_libs/libstdc++.a" "${static_archives[@]/#/--static-archive=}" >"$stage/sbom.cdx.json"

mkdir -p "$(dirname "$out")"
rm -f "$out"
# Reproducible: every entry has the same time (the last commit's, as
# SOURCE_DATE_EPOCH says, else 1980-01-01), the entries are sorted, and -X
# leaves out owner ids and extra timestamps. Same sources, same zip.
find "$stage" -exec touch -h -d "@$epoch" {} +
entries=(bootstrap rotator lib sbom.cdx.json)
if [ -d "$stage/ca" ]; then entries+=(ca); fi
(cd "$stage" && find "${entries[@]}" -type f | LC_ALL=C sort | TZ=UTC zip -q -9 -X -D "$out" -@)
size=$(stat -c %s "$out")
cp "$stage/sbom.cdx.json" "${out%.zip}.sbom.cdx.json"
echo "$out"
if [ -n "$ca_source" ]; then
    count=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$stage/ca/db-ca-bundle.pem")
    echo "database CA bundle: ca/db-ca-bundle.pem, $count certificates, from $ca_source" >&2
elif $drop_ca_bundle; then
    echo "database CA bundle: none in the zip (--no-ca-bundle; the image's bundle is used)" >&2
else
    cat >&2 <<'WARN'
************************************************************************
WARNING: database CA bundle: NONE in the zip. The function will trust only
the image's CA bundle, which lacks RDS's and Aurora's CAs: with
RequireTls=true every RDS rotation fails with DatabaseTLSFailed. For RDS,
build again with the bundle of the partition you deploy to:
  scripts/package.sh --partition aws          (or aws-us-gov, aws-cn)
or pass --ca-bundle FILE, or --no-ca-bundle to mean it.
************************************************************************
WARN
fi
echo "zip size: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)" >&2
