#!/usr/bin/env bash
# Installs what is missing, builds, then walks through the most complete flow available:
# keys of both national suites, signatures checked by xsign and by the openssl binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" >/dev/null
xsign="$root/${XSIGN_BUILD_DIR:-build}/cli/xsign"

work="${1:-$(mktemp -d /tmp/xsign-demo.XXXXXX)}"
mkdir -p "$work"
cd "$work"

# OpenSSL's GOST engine, for the independent check of the Russian signatures only.
engine=$(ls /usr/lib/*/engines-3/gost.so 2>/dev/null | head -n1)
echo "# no engines" > plain-openssl.cnf
cat > gost-openssl.cnf <<CNF
openssl_conf = openssl_def
[openssl_def]
engines = engine_section
[engine_section]
gost = gost_section
[gost_section]
engine_id = gost
dynamic_path = $engine
default_algorithms = ALL
CNF

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Passphrase for the demo keys (in a file: never on the command line)"
umask 077
echo "demo-passphrase-$(date +%s)" > pass.txt
echo "pass.txt written"

step "A Shanghai exporter makes an SM2 key, a Moscow importer a GOST 2012-256 key"
show "$xsign" key gen --suite sm2 --pass-file pass.txt --out exporter-sm2.key
show "$xsign" key gen --suite gost256 --pass-file pass.txt --out importer-gost256.key
show "$xsign" key info exporter-sm2.key --pass-file pass.txt
show "$xsign" key info importer-gost256.key --pass-file pass.txt
show "$xsign" key pub exporter-sm2.key --pass-file pass.txt --out exporter-sm2.pub
show "$xsign" key pub importer-gost256.key --pass-file pass.txt --out importer-gost256.pub

cat > invoice.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Invoice>
  <ID>SH-MOW-2026-0042</ID>
  <Seller>Shanghai Precision Machinery Co., Ltd.</Seller>
  <Buyer>OOO Volga Stanki, Moscow</Buyer>
  <Line><Item>CNC lathe CK6150</Item><Quantity>12</Quantity><Amount currency="CNY">1440000</Amount></Line>
</Invoice>
XML

step "Both sign the invoice (raw signatures; CMS/CAdES comes with the signature commands)"
show "$xsign" key sign --key exporter-sm2.key --pass-file pass.txt invoice.xml --out invoice.sm2.sig
show "$xsign" key sign --key importer-gost256.key --pass-file pass.txt invoice.xml --out invoice.gost256.sig

step "xsign verifies both"
show "$xsign" key verify invoice.xml --pub exporter-sm2.pub --sig invoice.sm2.sig
show "$xsign" key verify invoice.xml --pub importer-gost256.pub --sig invoice.gost256.sig

step "The openssl binary checks them independently"
show env OPENSSL_CONF=plain-openssl.cnf openssl pkeyutl -verify -rawin -digest sm3 \
  -pkeyopt distid:1234567812345678 -pubin -inkey exporter-sm2.pub -in invoice.xml \
  -sigfile invoice.sm2.sig
show env OPENSSL_CONF=gost-openssl.cnf openssl dgst -md_gost12_256 -verify importer-gost256.pub \
  -signature invoice.gost256.sig invoice.xml

step "A tampered invoice is caught"
sed 's/<Quantity>12</<Quantity>21</' invoice.xml > invoice-tampered.xml
if "$xsign" key verify invoice-tampered.xml --pub exporter-sm2.pub --sig invoice.sm2.sig; then
  echo "demo: tampering was NOT detected" >&2
  exit 1
fi
echo "(exit code 1: signature invalid, as expected)"

profiles="$root/certs"
step "Each country runs its CAs: a root and an issuing CA (keys encrypted with pass.txt)"
for d in cn ru; do
  show "$xsign" ca init --dir $d-root --profile "$profiles/$d.toml" --pass-file pass.txt --out $d-root.pem
  show "$xsign" ca init --dir $d-issuing --role issuing --parent $d-root --parent-pass-file pass.txt \
    --profile "$profiles/$d.toml" --pass-file pass.txt --out $d-issuing.pem
done

step "The traders get certificates from their own country's issuing CA"
show "$xsign" csr --key exporter-sm2.key --pass-file pass.txt \
  --subject "/C=CN/O=Shanghai Precision Machinery Co., Ltd./CN=Li Wei/USCC=91310000MA1FL0XX1A" --out exporter.csr
show "$xsign" ca issue exporter.csr --dir cn-issuing --profile trader --pass-file pass.txt --out exporter.pem
show "$xsign" csr --key importer-gost256.key --pass-file pass.txt \
  --subject "/C=RU/O=OOO Volga Stanki/CN=Ivan Petrov/INN=770123456789/OGRN=1027700000001" --out importer.csr
show "$xsign" ca issue importer.csr --dir ru-issuing --profile trader --pass-file pass.txt --out importer.pem

step "Cross-recognition: each root certifies the other, for the other country's names only"
show "$xsign" ca cross-certify cn-root.pem --dir ru-root --permit /C=CN --path-len 1 --pass-file pass.txt --out x-ru-cn.pem
show "$xsign" ca cross-certify ru-root.pem --dir cn-root --permit /C=RU --path-len 1 --pass-file pass.txt --out x-cn-ru.pem

step "CRLs, and openssl checks the chains on its own"
for d in cn ru; do
  show "$xsign" ca crl --dir $d-root --pass-file pass.txt --out $d-root.crl
  show "$xsign" ca crl --dir $d-issuing --pass-file pass.txt --out $d-issuing.crl
done
cat ru-root.crl ru-issuing.crl > ru-crls.pem
show env OPENSSL_CONF=gost-openssl.cnf openssl verify -crl_check_all -CRLfile ru-crls.pem \
  -CAfile ru-root.pem -untrusted ru-issuing.pem importer.pem
show env OPENSSL_CONF=plain-openssl.cnf openssl verify -vfyopt distid:1234567812345678 -CAfile cn-root.pem cn-issuing.pem
show env OPENSSL_CONF=plain-openssl.cnf openssl verify -vfyopt distid:1234567812345678 -partial_chain \
  -CAfile cn-issuing.pem exporter.pem
echo "A Moscow verifier reaches the Shanghai exporter through the cross-certificate:"
show env OPENSSL_CONF=gost-openssl.cnf openssl verify -partial_chain -CAfile ru-root.pem x-ru-cn.pem
show env OPENSSL_CONF=plain-openssl.cnf openssl verify -vfyopt distid:1234567812345678 -partial_chain \
  -CAfile x-ru-cn.pem cn-issuing.pem
show "$xsign" ca list --dir cn-issuing

step "CAdES signatures: the exporter signs the invoice, the importer co-signs the same file"
rm -f invoice.xml.p7s
show "$xsign" sign invoice.xml --key exporter-sm2.key --pass-file pass.txt --cert exporter.pem \
  --chain cn-issuing.pem --commitment origin
show "$xsign" cosign invoice.xml.p7s --key importer-gost256.key --pass-file pass.txt --cert importer.pem \
  --chain ru-issuing.pem --commitment approval
show "$xsign" inspect invoice.xml.p7s

step "The tampered invoice fails the check (exit code 1)"
if "$xsign" inspect invoice.xml.p7s --content invoice-tampered.xml; then
  echo "demo: tampering was NOT detected" >&2
  exit 1
fi

printf '\nFiles are in %s\n' "$work"
