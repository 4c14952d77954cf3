#!/usr/bin/env bash
# Installs the Debian packages labgate needs to build, test and demo. Idempotent: packages that are
# already installed are skipped, and apt is only consulted when something is missing.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config clang clang-format libclang-rt-dev
  # libraries
  libfyaml-dev libcli11-dev libfmt-dev nlohmann-json3-dev libnftables-dev libasio-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcpp-httplib-dev  # the HTTP endpoint of `labgate run` (metrics, status)
  libcurl4-openssl-dev  # `labgate doctor`'s HTTPS client of the Kubernetes API
  # runtime tools used by the kernel datapath, the lab and the integration tests
  nftables iproute2 iptables procps python3 python3-jsonschema python3-yaml
  dnsutils unbound  # dig, and the reference server of the DNS differential test
  hyperfine  # bench/check_bench.sh
  openssl  # s_client/s_server in tests/integration/proxy_sni_test.sh
  iperf3  # tests/integration/proxy_iperf_test.sh
  dnsperf  # tests/integration/dns_rate_limit_test.sh (and the DNS benchmarks)
  prometheus curl  # tests/integration/metrics_prometheus_test.sh (a real scrape; promtool)
  chromium  # headless: tests/integration/status_page_test.sh loads the status page
  # the Debian package (make deb, debian/) and its install test (tests/deb/)
  debhelper dpkg-dev lintian go-md2man debootstrap
)

# npm for tests/k8s/export_schema_test.sh (it installs its npm packages into the build tree):
# Debian's nodejs and npm, unless an npm is already on PATH (a nodejs from elsewhere bundles npm
# and conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

# `install-deps.sh --bench` also installs the peers labgate is measured against (bench/).
if [ "${1:-}" = "--bench" ]; then
  packages+=(dnsperf dnsmasq-base haproxy socat iperf3 wrk nginx-light liburing-dev)
fi

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

# Packages such as unbound and dnsmasq ship a service that would start on install, in the machine's
# own namespace, and send queries to the internet. labgate's tests and benchmarks start their own
# instances inside namespaces, so keep the distribution's from starting: a policy-rc.d that forbids
# starts, for the duration of the install only (an existing one is left as it is).
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
echo "install-deps: installing ${missing[*]}" >&2
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
