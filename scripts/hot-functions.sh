#!/usr/bin/env bash
# Regenerates cli/hot-functions.txt: the functions of the xsign executable that a short
# `xsign sign` and `xsign verify` run (GOST and SM2, CAdES-B, CRLs offline), in the order they
# first ran. The release link (lld) lays them out together at the start of the code, so such a
# process faults in a few pages of code instead of pages scattered over 7 MB
# (docs/performance.md, "Where the targets of issue 14 stand"; docs/architecture.md, CLI).
#
# Usage: scripts/hot-functions.sh [BUILD_DIR]   (default build-release; needs valgrind)
# Run it after changes that rename or add much code on those paths; a stale list only costs
# speed (names it no longer finds are ignored), never correctness.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-release}
xsign=$PWD/$build/cli/xsign
[ -x "$xsign" ] || { echo "hot-functions: $xsign not found: build it first (scripts/bench.sh builds $build)" >&2; exit 66; }
command -v valgrind >/dev/null || { echo "hot-functions: needs valgrind (apt-get install valgrind)" >&2; exit 69; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { "$xsign" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; exit 1; }; }
profiles=()
for domain in ru cn; do
  d=$work/$domain
  mkdir -p "$d/trust/anchors" "$d/trust/crls"
  run ca init --dir "$d/root" --profile "certs/$domain.toml" --no-encrypt --out "$d/trust/anchors/root.pem"
  run ca init --role issuing --parent "$d/root" --dir "$d/issuing" --profile "certs/$domain.toml" --no-encrypt \
    --out "$d/issuing.pem"
  suite=$(sed -n 's/^suite = "\(.*\)"/\1/p' "certs/$domain.toml")
  run key gen --suite "$suite" --no-encrypt --out "$d/signer.key"
  run csr --key "$d/signer.key" --subject "/C=${domain^^}/O=Trader/CN=Signer" --out "$d/signer.csr"
  run ca issue "$d/signer.csr" --dir "$d/issuing" --profile trader --out "$d/signer.pem"
  run ca crl --dir "$d/root" --out "$d/trust/crls/root.crl"
  run ca crl --dir "$d/issuing" --out "$d/trust/crls/issuing.crl"
  head -c 1024 /dev/urandom >"$d/doc.bin"
  profiles+=("$d")
done

# callgrind names every function that ran; --demangle=no keeps the linker's (mangled) names.
n=0
for d in "${profiles[@]}"; do
  for cmd in "sign $d/doc.bin --key $d/signer.key --cert $d/signer.pem --chain $d/issuing.pem --out $d/doc.p7s" \
             "verify $d/doc.bin $d/doc.p7s --trust $d/trust --offline" \
             "verify $d/doc.bin $d/doc.p7s --trust $d/trust --offline --json"; do
    n=$((n + 1))
    # shellcheck disable=SC2086  # the command is split into words on purpose
    valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/cg.$n" "$xsign" $cmd >/dev/null 2>&1
  done
done

# The functions of the executable itself (not of libc, libcrypto or the GOST engine), each once,
# in the order the runs first reached them.
python3 - "$xsign" "$work"/cg.* >cli/hot-functions.txt <<'EOF'
import re, sys
exe, files = sys.argv[1], sorted(sys.argv[2:], key=lambda f: int(f.rsplit(".", 1)[1]))
seen, order = set(), []
for path in files:
    objects, functions, current = {}, {}, None
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        m = re.match(r"^ob=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(2): objects[m.group(1)] = m.group(2)
            current = objects.get(m.group(1))
            continue
        m = re.match(r"^c?ob=\((\d+)\) (.*)$", line)
        if m:
            objects[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(c?)fn=\((\d+)\)(?: (.*))?$", line)
        if m:  # a name is given once, where the id first appears (as a function or a callee)
            if m.group(3): functions[m.group(2)] = m.group(3)
            if m.group(1): continue
            name = functions.get(m.group(2))
            if current == exe and name and name not in seen:
                seen.add(name)
                order.append(name)
print("\n".join(order))
EOF
echo "hot-functions: $(wc -l <cli/hot-functions.txt) functions in cli/hot-functions.txt" >&2
