#!/usr/bin/env bash
# OCSP throughput of `xsign serve` nodes sharing one PostgreSQL CA store: 1 node, then 3 nodes,
# each loaded by its own `ab -k` (keep-alive) with the same request; the total is the sum.
# Everything runs on this machine (PostgreSQL, nodes, clients): it shows what sharing a store
# costs and that nodes scale while cores are free, not what separate machines would reach.
# Usage: scripts/bench_nodes.sh [XSIGN_BINARY] (default build-release/cli/xsign, else build/cli/xsign)
set -euo pipefail
cd "$(dirname "$0")/.."
xsign=${1:-build-release/cli/xsign}
[ -x "$xsign" ] || xsign=build/cli/xsign
xsign=$(realpath "$xsign")
requests=${XSIGN_BENCH_REQUESTS:-20000}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d)
chmod 755 "$work"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  as_pg "$bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/pg" "$work/sock"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg" "$work/sock"
as_pg "$bin/initdb" -D "$work/pg" -A trust -U xsign --no-sync >/dev/null
as_pg "$bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w -o "-k $work/sock -p 5499 -c listen_addresses=" start >/dev/null
"$bin/psql" -X -q -h "$work/sock" -p 5499 -U xsign -d postgres -c "CREATE DATABASE ca"
url="postgresql:///ca?host=$work/sock&port=5499&user=xsign"

cd "$work"
"$xsign" ca init --dir base/ca --profile "$OLDPWD/certs/cn.toml" --no-encrypt --store "$url" --out root.pem 2>/dev/null
"$xsign" ca service --dir base/ca --role ocsp --no-encrypt 2>/dev/null
"$xsign" key gen --suite sm2 --no-encrypt --out t.key
"$xsign" csr --key t.key --subject /C=CN/O=Trader/CN=Li --out t.csr
"$xsign" ca issue t.csr --dir base/ca --profile trader --out t.pem 2>/dev/null
openssl ocsp -issuer root.pem -cert t.pem -no_nonce -reqout req.der >/dev/null
for n in 1 2 3; do mkdir -p "node$n" && cp -r base/ca "node$n/ca"; done

start_node() {  # $1 = node number; prints the port
  "$xsign" serve --allow-root-ca --quiet --ca "node$1/ca" --listen 127.0.0.1:0 >"node$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(grep -o '127.0.0.1:[0-9]*' "node$1.log" | head -1 | cut -d: -f2 || true)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/ready" >/dev/null && { echo "$port"; return; }
    sleep 0.05
  done
  echo "node $1 did not start" >&2; exit 1
}
load() {  # ports...: one ab -k per node at once; prints the summed requests per second
  local outs=()
  for port in "$@"; do
    ab -q -k -c 8 -n "$requests" -p req.der -T application/ocsp-request "http://127.0.0.1:$port/ocsp" >"ab.$port" 2>&1 &
    outs+=("ab.$port")
  done
  wait $(jobs -p | tail -n "$#")
  local total=0
  for o in "${outs[@]}"; do
    # SM2 signatures vary in length, so ab's "Length" failures are expected; nothing else is.
    if grep -q "Non-2xx" "$o" || grep -Eq "(Connect|Receive|Exceptions): [1-9]" "$o" ||
       ! grep -q "Complete requests:      $requests" "$o"; then
      echo "ab reported failures:" >&2; cat "$o" >&2; exit 1
    fi
    r=$(awk '/Requests per second/ {print $4}' "$o")
    total=$(awk -v a="$total" -v b="$r" 'BEGIN {print a + b}')
  done
  echo "$total"
}
p1=$(start_node 1)
one=$(load "$p1")
p2=$(start_node 2)
p3=$(start_node 3)
three=$(load "$p1" "$p2" "$p3")
printf 'OCSP over keep-alive, one PostgreSQL store, %s requests per node, %s cores\n' "$requests" "$(nproc)"
printf '  1 node : %8.0f req/s\n' "$one"
printf '  3 nodes: %8.0f req/s (%.2fx)\n' "$three" "$(awk -v a="$three" -v b="$one" 'BEGIN {print a / b}')"
