#!/usr/bin/env bash
# Installs the Debian packages xsign needs (only those missing), then configures and
# builds in build/. Idempotent and non-interactive: safe to run on every test or demo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake make pkg-config
  libbotan-2-dev libssl-dev openssl libengine-gost-openssl
  libcli11-dev catch2 nlohmann-json3-dev libsqlite3-dev libtomlplusplus-dev
  libcpp-httplib-dev libbenchmark-dev faketime curl
  libp11-kit-dev softhsm2  # PKCS#11: URIs (p11-kit), tests with a software token
  clang libclang-rt-14-dev help2man python3 python3-pytest dpkg-dev
  man-db bsdutils  # the man pages are rendered and progress is tested under `script` (a pty)
  apache2-utils    # ab: the bench measures the server with an external keep-alive client
  lld valgrind     # the release link lays out hot code (lld); scripts/hot-functions.sh lists it (valgrind)
  libpq-dev libpq5 postgresql  # CA stores in PostgreSQL; the tests start their own server
  libxml2-dev libxml2-utils xmlsec1 unzip  # XAdES: libxml2 parses and canonicalizes; xmlsec1 checks interop; xmllint checks structure
  libzip-dev  # ASiC containers
  default-jre-headless libbcprov-java libbcpkix-java libxml-security-java  # interop with BouncyCastle, Santuario
  chromium fonts-noto-cjk nodejs  # the verification page tested in a real browser (puppeteer-core from npm)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm comes with NodeSource's nodejs; Debian's own nodejs ships it as a package of its own.
command -v npm >/dev/null || "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends npm
# puppeteer-core (drives the system Chromium; it never downloads a browser), as locked in
# tests/browser/package-lock.json; reinstalled only when the lock file changes.
lock_sum=$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)
if [ "$(cat tests/browser/node_modules/.xsign-lock 2>/dev/null)" != "$lock_sum" ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" > tests/browser/node_modules/.xsign-lock
fi

build_type=${XSIGN_BUILD_TYPE:-RelWithDebInfo}
build_dir=${XSIGN_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
