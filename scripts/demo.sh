#!/usr/bin/env bash
# Installs what is missing, builds, then runs the cross-border demo (`xsign demo`) in a fresh
# directory, and lets the openssl binary check a few of its results independently.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" >/dev/null
xsign="$root/${XSIGN_BUILD_DIR:-build}/cli/xsign"

work="${1:-$(mktemp -d /tmp/xsign-demo.XXXXXX)}"
"$xsign" demo --dir "$work"

cd "$work"
engine=$(ls /usr/lib/*/engines-3/gost.so 2>/dev/null | head -n1)
printf 'openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n[engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\ndynamic_path = %s\ndefault_algorithms = ALL\n' "$engine" > gost-openssl.cnf
echo "# no engines" > plain-openssl.cnf

printf '\n== Independent checks with the openssl binary\n'
show() { printf '$ %s\n' "$*"; "$@"; }
show env OPENSSL_CONF=gost-openssl.cnf openssl verify -CAfile ru-root.pem -untrusted ru-issuing.pem importer.pem
show env OPENSSL_CONF=plain-openssl.cnf openssl verify -vfyopt distid:1234567812345678 -partial_chain \
  -CAfile cn-issuing.pem exporter.pem
show env OPENSSL_CONF=gost-openssl.cnf openssl verify -partial_chain -CAfile ru-root.pem x-ru-cn.pem
printf '\nDemo files are in %s\n' "$work"
