#!/usr/bin/env bash
# Makes the seed corpora of the fuzz targets (fuzz/*.cpp) with xsign and openssl:
# one directory per target under OUT, each holding valid inputs the fuzzer then mutates.
# Usage: scripts/fuzz_seeds.sh XSIGN_BINARY OUT_DIR
set -euo pipefail
xsign=$(realpath "$1")
out=$(realpath -m "$2")
src=$(realpath "$(dirname "$0")/..")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p "$out"/{cms,certificate,crl,csr,ocsp_request,ocsp_response,tsa_request,tsa_token,trust_list,policy_toml,pkcs8,http,ca_issuers,xml_signature,asic,dvcs}

for d in ru cn; do
  "$xsign" ca init --dir "$d-root" --profile "$src/certs/$d.toml" --no-encrypt --out "$d-root.pem" 2>/dev/null
  "$xsign" ca service --dir "$d-root" --role tsa --no-encrypt 2>/dev/null
  "$xsign" ca service --dir "$d-root" --role ocsp --no-encrypt 2>/dev/null
  suite=$([ "$d" = ru ] && echo gost256 || echo sm2)
  "$xsign" key gen --suite "$suite" --no-encrypt --out "$d.key" 2>/dev/null
  "$xsign" key gen --suite "$suite" --pass-file <(echo seedpass) --out "$d-enc.key" 2>/dev/null || true
  "$xsign" csr --key "$d.key" --subject "/C=${d^^}/O=Seed/CN=Seed $d" --out "$d.csr" 2>/dev/null
  "$xsign" ca issue "$d.csr" --dir "$d-root" --profile trader --out "$d.pem" 2>/dev/null
  "$xsign" ca revoke "$("$xsign" ca list --dir "$d-root" --json | grep -o '"serial": "[0-9a-f]*"' | head -1 | cut -d'"' -f4)" \
    --dir "$d-root" 2>/dev/null || true
  "$xsign" ca crl --dir "$d-root" --out "$d.crl" 2>/dev/null
  echo "<Invoice>$d</Invoice>" > doc.xml
  "$xsign" sign doc.xml --key "$d.key" --cert "$d.pem" --out "$d.p7s" 2>/dev/null
  "$xsign" sign doc.xml --key "$d.key" --cert "$d.pem" --attach --out "$d-attached.p7s" 2>/dev/null
  for how in enveloped enveloping parallel; do
    "$xsign" sign doc.xml --format xades --$how --key "$d.key" --cert "$d.pem" --out "$out/xml_signature/$d-$how.xml" 2>/dev/null
  done
  echo "packing list $d" > list.txt
  for format in cades xades; do
    "$xsign" sign --asic-e doc.xml list.txt --format $format --key "$d.key" --cert "$d.pem" --out "$out/asic/$d-$format.asice" 2>/dev/null
    "$xsign" sign --asic-s doc.xml --format $format --key "$d.key" --cert "$d.pem" --out "$out/asic/$d-$format.asics" 2>/dev/null
  done
  "$xsign" channel request "$d-attached.p7s" --out "$out/dvcs/$d-vsd.der" 2>/dev/null
  "$xsign" channel request "$d.p7s" doc.xml --out "$out/dvcs/$d-vsd-detached.der" 2>/dev/null
  "$xsign" channel request --vpkc "$d.pem" --out "$out/dvcs/$d-vpkc.der" 2>/dev/null
  "$xsign" channel answer "$out/dvcs/$d-vsd.der" --trust "$d-root.pem" --offline --key "$d.key" --cert "$d.pem" \
    --out "$d-answer.der" 2>/dev/null && \
    openssl cms -verify -noverify -inform DER -in "$d-answer.der" -out "$out/dvcs/$d-response-content.der" 2>/dev/null || true
  digest=$([ "$d" = ru ] && echo streebog256 || echo sm3)
  "$xsign" ts query doc.xml --digest "$digest" --out "$d.tsq" 2>/dev/null
  "$xsign" ts reply "$d.tsq" --ca "$d-root" --out "$d.tsr" 2>/dev/null
  openssl x509 -in "$d.pem" -outform DER -out "$out/certificate/$d.der"
  openssl x509 -in "$d-root.pem" -outform DER -out "$out/certificate/$d-root.der"
  # caIssuers answers: a DER certificate, a PEM one, a PKCS#7 certs-only bundle.
  cp "$out/certificate/$d-root.der" "$out/ca_issuers/$d.der"; cp "$d-root.pem" "$out/ca_issuers/$d.pem"
  openssl crl2pkcs7 -nocrl -certfile "$d-root.pem" -outform DER -out "$out/ca_issuers/$d.p7c" 2>/dev/null || true
  "$xsign" ca crl --delta --dir "$d-root" --out "$d-delta.crl" 2>/dev/null && \
    openssl crl -in "$d-delta.crl" -outform DER -out "$out/crl/$d-delta.der" 2>/dev/null || true
  openssl crl -in "$d.crl" -outform DER -out "$out/crl/$d.der" 2>/dev/null || cp "$d.crl" "$out/crl/$d.pem"
  openssl req -in "$d.csr" -outform DER -out "$out/csr/$d.der" 2>/dev/null || cp "$d.csr" "$out/csr/$d.pem"
  cp "$d.p7s" "$out/cms/$d.der"; cp "$d-attached.p7s" "$out/cms/$d-attached.der"
  cp "$d.tsq" "$out/tsa_request/$d.der"; cp "$d.tsr" "$out/tsa_token/$d-reply.der"
  cp "$d.key" "$out/pkcs8/$d.pem"; [ -f "$d-enc.key" ] && cp "$d-enc.key" "$out/pkcs8/$d-enc.pem"
  printf '\002%s' "$(cat "$d.tsq" | base64 -w0)" > "$out/http/$d-ocsp-get" || true
  { printf '\000'; cat "$d.tsq"; } > "$out/http/$d-tsa-post"
done
# BER SignedData as `openssl cms -stream` writes it (indefinite lengths, segmented eContent).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=ber -keyout ber.key \
  -out ber.pem 2>/dev/null
openssl cms -sign -stream -binary -nodetach -cades -outform DER -in doc.xml -signer ber.pem -inkey ber.key \
  -out "$out/cms/ber-stream.der" 2>/dev/null || true
# OCSP request and response from openssl against the Russian CA's responder data.
openssl ocsp -issuer ru-root.pem -cert ru.pem -reqout "$out/ocsp_request/ru.der" -no_nonce 2>/dev/null
openssl ocsp -issuer cn-root.pem -cert cn.pem -reqout "$out/ocsp_request/cn-nonce.der" 2>/dev/null
{ printf '\001'; cat "$out/ocsp_request/ru.der"; } > "$out/http/ru-ocsp-post"
port=$((20000 + RANDOM % 20000))
"$xsign" serve --allow-root-ca --ca ru-root --listen "127.0.0.1:$port" --quiet >/dev/null 2>&1 &
serve=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf --data-binary @"$out/ocsp_request/ru.der" -H 'Content-Type: application/ocsp-request' \
  "http://127.0.0.1:$port/ocsp" -o "$out/ocsp_response/ru.der" || true
kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null || true
# Trust list, JSON and signed.
cat > list.json <<JSON
{"operator": "Seed Operator", "territory": "RU", "sequence_number": 1, "issued": "2026-01-01T00:00:00Z",
 "next_update": "2027-01-01T00:00:00Z", "services": []}
JSON
cp list.json "$out/trust_list/list.json"
"$xsign" trustlist create --format json --operator 'Seed Operator' --territory RU --service cn-root.pem --out list1.json 2>/dev/null
"$xsign" trustlist sign list1.json --key ru-root/ca.key --cert ru-root.pem --out "$out/trust_list/list.p7s" 2>/dev/null || true
# TS 119 612 XML: a list (CA, TSA, OCSP, a withdrawal), signed in both suites, and a list of lists.
"$xsign" trustlist create --operator 'Seed Operator' --territory RU --contact mailto:seed@example.ru --service cn-root.pem \
  --tsa cn-root/services/tsa.pem --ocsp cn-root/services/ocsp.pem --withdrawn cn-root.pem@2030-01-01T00:00:00Z \
  --out "$out/trust_list/list.xml" 2>/dev/null
"$xsign" trustlist sign "$out/trust_list/list.xml" --key ru-root/ca.key --cert ru-root.pem --out "$out/trust_list/ru.xml" 2>/dev/null
"$xsign" trustlist sign "$out/trust_list/list.xml" --key cn-root/ca.key --cert cn-root.pem --out cn.xml 2>/dev/null
"$xsign" trustlist create --operator 'Seed Channel' --territory CN --contact https://tl.example.cn/ --list-of-lists \
  --points-to "$out/trust_list/ru.xml=https://tl.example.ru/ru.xml" --out lotl.xml 2>/dev/null
"$xsign" trustlist sign lotl.xml --key cn-root/ca.key --cert cn-root.pem --out "$out/trust_list/lotl.xml" 2>/dev/null || true
# Policies.
printf 'revocation = "if-available"\nrequired_policies = ["1.2.643.100.113.1"]\nfetch_timeout_seconds = 3\n' \
  > "$out/policy_toml/a.toml"
printf 'accepted_suites = ["sm2", "gost256"]\nallow_cross_border = false\n' > "$out/policy_toml/b.toml"
find "$out" -type f | wc -l | xargs echo "fuzz seeds:"
