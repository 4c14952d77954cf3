#!/usr/bin/env bash
# Installs the Debian packages labgate needs to build, test and demo. Idempotent: packages that are
# already installed are skipped, and apt is only consulted when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang clang-format libclang-rt-dev
  # libraries
  libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev libnftables-dev libasio-dev
  libsystemd-dev libgtest-dev libgmock-dev libbenchmark-dev
  # runtime tools used by the kernel datapath, the lab and the integration tests
  nftables iproute2 iptables procps python3 python3-jsonschema python3-yaml
  dnsutils unbound  # dig, and the reference server of the DNS differential test
  hyperfine  # bench/check_bench.sh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi

# Keep Debian's own services (none expected here, but nftables ships a unit) from starting on install.
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
