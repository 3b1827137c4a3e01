# Files the examples of README.md and docs/*.md name, added to a fresh demo PKI (`xsign demo`):
# the people and files the text talks about, made from the demo's own. Run in the demo directory.
cp pass.txt ca.pass
cp pass.txt trader.pass
mkdir -p certs && cp "$XSIGN_SOURCE_DIR"/certs/*.toml certs/
# The people of the examples: Li Wei exports (SM2), Ivan Petrov imports (GOST), the bank countersigns.
cp exporter.key li.key && cp exporter.pem li.pem
cp importer.key ivan.key && cp importer.pem ivan.pem
cp ttp.key bank.key && cp ttp.pem bank.pem
head -c 100000 /dev/urandom > contract.pdf
mkdir -p declarations
for n in 1 2 3; do
  printf '<Declaration><No>10702020/2611%02d</No></Declaration>\n' "$n" > "declarations/d$n.xml"
  xsign sign "declarations/d$n.xml" --key ivan.key --cert ivan.pem --chain ru-issuing.pem --pass-file pass.txt 2>/dev/null
done

# Keys kept outside xsign (docs/keys.md): plain key files on a "USB stick" for openssl to sign
# with, certified by the demo's issuing CAs; the GOST engine's configuration as gost.cnf.
engines=$(openssl version -e | sed -n 's/^ENGINESDIR: "\(.*\)"/\1/p')
printf 'openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n[engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\ndynamic_path = %s/gost.so\ndefault_algorithms = ALL\n' "$engines" > gost.cnf
mkdir -p usb
openssl pkey -in exporter.key -passin file:pass.txt -out usb/sm2.key
cp exporter.pem sm2-trader.pem
xsign key gen --suite gost256 --no-encrypt --out usb/gost.key 2>/dev/null
xsign csr --key usb/gost.key --subject "/C=RU/O=OOO Volga Stanki/CN=Ivan Petrov/INN=770123456789/OGRN=1027700000001" \
  --out gost.csr 2>/dev/null
xsign ca issue gost.csr --dir ru-issuing --profile trader --pass-file pass.txt --out gost-trader.pem 2>/dev/null

# A PKCS#11 token (SoftHSM) labelled CA with its PIN in pin.txt.
mkdir -p softhsm/tokens
printf "directories.tokendir = softhsm/tokens\nobjectstore.backend = file\n" > softhsm/softhsm2.conf
echo 'tokenpin-1234' > pin.txt
SOFTHSM2_CONF=$PWD/softhsm/softhsm2.conf softhsm2-util --init-token --free --label CA --pin tokenpin-1234 \
  --so-pin so-pin-5678 >/dev/null
# A domain profile for keys of suite p256 (for tokens without GOST or SM2 mechanisms).
sed 's/^suite = "gost256"/suite = "p256"/' certs/ru.toml > p256.toml
# Signatures and containers are what the examples make: none from the demo is left.
rm -f ./*.p7s ./*.asice ./*.asics
rm -rf received
