#!/usr/bin/env bash
# docs/labgate.schema.json against the examples and against labgate itself.
#
# usage: schema_test.sh LABGATE_BINARY SOURCE_DIR
#
# 1. Every file in examples/ validates against the schema, and `labgate check` accepts it without
#    a warning; so do the complete examples of docs/config.md.
# 2. Documents that use every accepted form (port forms, long and short ranges, wildcards, empty
#    sections, every enum value), and every section snippet of docs/config.md put into a base
#    (the seed; for `zones` and `policies` snippets the zones example), are accepted by both the
#    schema and `labgate check`. A snippet that is neither a complete example nor sections of the
#    file fails the test: no example of the reference goes unchecked.
# 3. Documents with a shape error (unknown key, bad address, bad enum, ...) are REJECTED by the
#    schema at the expected JSON pointer, and by `labgate check` with exit status 2. So the schema
#    is neither vacuous nor stricter than labgate on these forms.
# Needs no root and touches no network: it only reads files and runs `labgate check -c`.
set -euo pipefail

labgate=${1:?usage: schema_test.sh LABGATE_BINARY SOURCE_DIR}
source_dir=${2:?usage: schema_test.sh LABGATE_BINARY SOURCE_DIR}
schema=$source_dir/docs/labgate.schema.json
validator=$source_dir/tests/docs/validate_schema.py

# Debian's interpreter has Debian's python3-jsonschema and python3-yaml (scripts/install-deps.sh);
# another python3 earlier on PATH may not.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)

work=$(mktemp -d)
[ -z "${KEEP_WORK:-}" ] || echo "keeping $work"
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT

failures=0
passes=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() {
  echo "ok: $*"
  passes=$((passes + 1))
}

# --- 1. the examples ---------------------------------------------------------------------------
shopt -s nullglob
examples=("$source_dir"/examples/*.yaml "$source_dir"/examples/*.yml)
if [ ${#examples[@]} -eq 0 ]; then
  fail "no examples found in $source_dir/examples"
fi
for example in "${examples[@]}"; do
  name=examples/$(basename "$example")
  if out=$("$python" "$validator" "$schema" "$example" 2>&1); then
    pass "$name validates against the schema"
  else
    fail "$name does not validate against the schema:"$'\n'"$out"
  fi
  if ! out=$("$labgate" check -c "$example" 2>&1); then
    fail "$name fails labgate check:"$'\n'"$out"
  elif grep -q 'warning' <<<"$out"; then
    fail "$name has warnings (users copy examples: they must be clean):"$'\n'"$out"
  else
    pass "$name passes labgate check without warnings"
  fi
done

# The complete examples of docs/config.md (```yaml blocks that start with "version:" and have
# networks) must pass both as well.
awk -v dir="$work" '
  /^```yaml$/ { inblock = 1; n++; file = dir "/config-md-block-" n ".yaml"; next }
  /^```$/ && inblock { inblock = 0; close(file); next }
  inblock { print > file }
' "$source_dir/docs/config.md"
complete=0
for block in "$work"/config-md-block-*.yaml; do
  head -1 "$block" | grep -q '^version:' && grep -q '^networks:' "$block" || continue
  complete=$((complete + 1))
  name="docs/config.md example $(basename "$block" .yaml)"
  if out=$("$python" "$validator" "$schema" "$block" 2>&1); then
    pass "$name validates against the schema"
  else
    fail "$name does not validate against the schema:"$'\n'"$out"
  fi
  if out=$("$labgate" check -c "$block" 2>&1); then
    pass "$name passes labgate check"
  else
    fail "$name fails labgate check:"$'\n'"$out"
  fi
done
[ "$complete" -gt 0 ] || fail "docs/config.md has no complete example"

# --- shared pieces of the generated documents ---------------------------------------------------
# A small valid topology; each case below appends to or edits a copy of it.
base() {
  cat <<'YAML'
version: 1
gateway:
  name: pve
networks:
  lan:
    interface: vmbr0
    subnet: 192.168.1.0/24
    address: 192.168.1.55
    router: 192.168.1.1
    uplink: true
  cluster:
    interface: vmbr1
    subnet: 192.168.100.0/24
    address: 192.168.100.1
    masquerade: true
    inbound: drop
hosts:
  node-1: { network: cluster, address: 192.168.100.60 }
  vip: { network: cluster, address: 192.168.100.50, held_by: node-1 }
pools:
  lb: { network: cluster, range: 192.168.100.80-85 }
services:
  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443 } }
  api: { address: 192.168.100.50, ports: { api: 6443 } }
forwards:
  - { listen: lan:443, to: ingress:https }
  - { listen: lan:6443, to: api:api }
dns:
  zone: cluster
  names: { argocd: ingress }
  upstreams: [192.168.1.1]
YAML
}

# The cases are written first and checked together at the end, so that the Python validator (slow
# to start) runs once. cases.tsv: NAME, expectation (valid | JSON pointer of the schema error).

# expect_valid NAME SED_SCRIPT: the base document edited by SED_SCRIPT must pass both.
expect_valid() {
  base | sed -e "$2" >"$work/$1.yaml"
  printf '%s\tvalid\n' "$1" >>"$work/cases.tsv"
}

# expect_invalid NAME POINTER SED_SCRIPT: the edited document must be rejected by the schema with
# an error at POINTER, and by `labgate check` with exit status 2 (a configuration error).
expect_invalid() {
  base | sed -e "$3" >"$work/$1.yaml"
  if cmp -s "$work/$1.yaml" <(base); then
    fail "invalid '$1': the edit changed nothing (test bug)"
    return
  fi
  printf '%s\t%s\n' "$1" "$2" >>"$work/cases.tsv"
}

check_cases() {
  local files=() name expected file out status
  while IFS=$'\t' read -r name expected; do files+=("$work/$name.yaml"); done <"$work/cases.tsv"
  "$python" "$validator" "$schema" "${files[@]}" >"$work/schema.out" 2>&1 || true
  while IFS=$'\t' read -r name expected; do
    file=$work/$name.yaml
    status=0
    out=$("$labgate" check -c "$file" 2>&1) || status=$?
    if [ "$expected" = valid ]; then
      if grep -qxF -- "$file: ok" "$work/schema.out"; then
        pass "valid '$name': schema accepts"
      else
        fail "valid '$name': schema rejects it:"$'\n'"$(grep -F -- "$file:" "$work/schema.out")"
      fi
      if [ "$status" -eq 0 ]; then
        pass "valid '$name': labgate check accepts"
      else
        fail "valid '$name': labgate check exited $status:"$'\n'"$out"
      fi
    else
      if grep -qF -- "$file: $expected: " "$work/schema.out"; then
        pass "invalid '$name': schema rejects it at $expected"
      else
        fail "invalid '$name': no schema error at $expected:"$'\n'"$(grep -F -- "$file:" "$work/schema.out")"
      fi
      if [ "$status" -eq 2 ]; then
        pass "invalid '$name': labgate check rejects it (exit 2)"
      else
        fail "invalid '$name': labgate check exited $status, want 2:"$'\n'"$out"
      fi
    fi
  done <"$work/cases.tsv"
}

# --- 2. every accepted form ---------------------------------------------------------------------
expect_valid base ''
expect_valid port-forms 's|ports: { http: 80, https: 443 }|ports: { http: "80", https: 443/tcp, dns: "53/udp", syslog: { port: 514, protocol: udp }, admin: { port: 8443 } }|'
expect_valid long-range 's|range: 192.168.100.80-85|range: 192.168.100.80-192.168.100.85|'
expect_valid wildcard-name 's|names: { argocd: ingress }|names: { argocd: ingress, "*.apps": ingress, "*": api, grafana.apps: ingress }|'
expect_valid dns-options '/upstreams:/a\  ttl: 0\n  listen: [lan, cluster]\n  recursion: [cluster]'
expect_valid forward-options 's|- { listen: lan:443, to: ingress:https }|- { listen: lan:443, to: ingress:https, via: proxy, snat: true }\n  - { listen: lan:80, to: ingress:http, via: kernel, snat: false }|'
expect_valid proxy-pool 's|  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443 } }|  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443 } }\n  ingress2: { address: 192.168.100.81, ports: { https: 443 } }|; s|- { listen: lan:443, to: ingress:https }|- { listen: lan:443, to: [ingress:https, ingress2:https], via: proxy, balance: least-connections, health_check: { interval: 2s, timeout: 500ms }, accept_proxy: [192.168.1.0/24, 192.168.1.9], proxy_protocol: v2, max_connections: 100 }|'
expect_valid inbound-accept 's|inbound: drop|inbound: accept|'
expect_valid networks-only '/^hosts:/,$d'
expect_valid null-sections '/^hosts:/,$d; $a hosts:\npools:\nservices:\nforwards:'
expect_valid no-version-no-gateway '/^version:/d; /^gateway:/d; /^  name: pve/d'
expect_valid subnet-lengths 's|address: 192.168.100.1$|address: 192.168.100.1\n  p2p:\n    interface: wg0\n    subnet: 10.9.0.0/31\n    address: 10.9.0.1|'

# Every fragment of docs/config.md that is one or more top-level sections (```yaml blocks whose
# top-level keys are all keys of the file) must be valid once it replaces those sections of a
# base: the snippets a reader copies are correct. The base is the seed, except for snippets of
# `zones` or `policies`: those need networks grouped into zones, so their base is the zones
# example (whose zones and policies they replace). A block that is neither (other than a comment
# alone) is reported in unchecked.txt and fails the test.
"$python" - "$source_dir/examples/homelab.yaml" "$source_dir/examples/homelab-vlan.yaml" "$work" \
  <<'PY' >>"$work/cases.tsv"
import glob, os, sys, yaml
seed_path, zones_path, work = sys.argv[1], sys.argv[2], sys.argv[3]
sections = {"version", "gateway", "networks", "hosts", "pools", "services", "forwards", "dns",
            "http", "zones", "policies", "apps"}
unchecked = []
for block in sorted(glob.glob(os.path.join(work, "config-md-block-*.yaml"))):
    with open(block) as f:
        fragment = yaml.safe_load(f)
    if fragment is None:
        continue  # only comments (the editor's schema line)
    if not isinstance(fragment, dict) or not fragment or not set(fragment) <= sections:
        unchecked.append(os.path.basename(block))
        continue
    if "networks" in fragment and "version" in fragment:
        continue  # a complete example, checked above
    base = zones_path if {"zones", "policies"} & set(fragment) else seed_path
    with open(base) as f:
        document = yaml.safe_load(f)
    document.update(fragment)
    name = "fragment-" + os.path.basename(block)[:-len(".yaml")]
    if base == zones_path:
        name += "-on-zones-example"
    with open(os.path.join(work, name + ".yaml"), "w") as f:
        yaml.safe_dump(document, f, sort_keys=False)
    print(f"{name}\tvalid")
with open(os.path.join(work, "unchecked.txt"), "w") as f:
    f.writelines(u + "\n" for u in unchecked)
PY
grep -q '^fragment-' "$work/cases.tsv" || fail "found no fragments in docs/config.md"
# The zones and policies snippets are checked (they once were skipped as unknown sections).
[ "$(grep -c -- '-on-zones-example' "$work/cases.tsv")" -ge 2 ] ||
  fail "docs/config.md: the zones and policies snippets were not found"
if [ -s "$work/unchecked.txt" ]; then
  fail "docs/config.md has yaml blocks that are neither complete nor sections of the file:"$'\n'"$(cat "$work/unchecked.txt")"
fi

# --- 3. shape errors: both must reject ----------------------------------------------------------
expect_invalid unknown-top-level-key '/' 's|^gateway:|gatway:|'
expect_invalid unknown-network-key '/networks/lan' 's|    uplink: true|    uplink: true\n    mtu: 1500|'
expect_invalid unknown-forward-key '/forwards/0' 's|to: ingress:https }|to: ingress:https, port: 443 }|'
expect_invalid unknown-dns-key '/dns' 's|  zone: cluster|  zone: cluster\n  domain: cluster|'
expect_invalid address-octet-too-big '/networks/lan/address' 's|address: 192.168.1.55|address: 192.168.1.256|'
expect_invalid address-leading-zero '/hosts/node-1/address' 's|address: 192.168.100.60|address: 192.168.100.060|'
expect_invalid address-three-parts '/services/ingress/address' 's|address: 192.168.100.80,|address: 192.168.100,|'
expect_invalid router-not-address '/networks/lan/router' 's|router: 192.168.1.1|router: home-router|'
expect_invalid upstream-not-address '/dns/upstreams/0' 's|upstreams: \[192.168.1.1\]|upstreams: [resolver.lan]|'
expect_invalid subnet-no-length '/networks/lan/subnet' 's|subnet: 192.168.1.0/24|subnet: 192.168.1.0|'
expect_invalid subnet-length-33 '/networks/cluster/subnet' 's|subnet: 192.168.100.0/24|subnet: 192.168.100.0/33|'
expect_invalid range-bad-octet '/pools/lb/range' 's|range: 192.168.100.80-85|range: 192.168.100.80-300|'
expect_invalid range-no-dash '/pools/lb/range' 's|range: 192.168.100.80-85|range: 192.168.100.80|'
expect_invalid listen-no-colon '/forwards/0/listen' 's|listen: lan:443|listen: lan-443|'
expect_invalid listen-port-zero '/forwards/0/listen' 's|listen: lan:443|listen: lan:0|'
expect_invalid listen-port-too-big '/forwards/0/listen' 's|listen: lan:443|listen: lan:65536|'
expect_invalid to-no-port-name '/forwards/0/to' 's|to: ingress:https|to: ingress|'
expect_invalid to-port-number '/forwards/0/to' 's|to: ingress:https|to: ingress:443/tcp|'
expect_invalid via-unknown '/forwards/0/via' 's|to: ingress:https }|to: ingress:https, via: bpf }|'
expect_invalid snat-not-bool '/forwards/0/snat' 's|to: ingress:https }|to: ingress:https, snat: always }|'
expect_invalid inbound-unknown '/networks/cluster/inbound' 's|inbound: drop|inbound: reject|'
expect_invalid uplink-not-bool '/networks/lan/uplink' 's|uplink: true|uplink: maybe|'
expect_invalid protocol-unknown '/services/ingress/ports/http' 's|http: 80,|http: { port: 80, protocol: sctp },|'
expect_invalid protocol-suffix-unknown '/services/ingress/ports/http' 's|http: 80,|http: 80/sctp,|'
expect_invalid port-zero '/services/ingress/ports/http' 's|http: 80,|http: 0,|'
expect_invalid port-too-big '/services/ingress/ports/https' 's|https: 443 }|https: 65536 }|'
expect_invalid port-missing-number '/services/ingress/ports/http' 's|http: 80,|http: { protocol: tcp },|'
expect_invalid port-leading-zero '/services/ingress/ports/http' 's|http: 80,|http: "080",|'
expect_invalid listen-port-leading-zero '/forwards/0/listen' 's|listen: lan:443|listen: lan:0443|'
expect_invalid service-empty-ports '/services/api/ports' 's|ports: { api: 6443 }|ports: {}|'
expect_invalid balance-unknown '/forwards/0/balance' 's|to: ingress:https }|to: ingress:https, via: proxy, balance: random }|'
expect_invalid health-interval-no-unit '/forwards/0/health_check/interval' 's|to: ingress:https }|to: ingress:https, via: proxy, health_check: { interval: 2 } }|'
expect_invalid accept-proxy-not-prefix '/forwards/0/accept_proxy/0' 's|to: ingress:https }|to: ingress:https, via: proxy, accept_proxy: [lan] }|'
expect_invalid service-without-ports '/services/api' 's|api: { address: 192.168.100.50, ports: { api: 6443 } }|api: { address: 192.168.100.50 }|'
expect_invalid host-name-underscore '/hosts' 's|node-1: {|node_1: {|; s|held_by: node-1|held_by: node_1|'
expect_invalid network-name-dash-end '/networks' 's|^  lan:|  lan-:|'
expect_invalid held-by-bad-name '/hosts/vip/held_by' 's|held_by: node-1|held_by: "node 1"|'
expect_invalid interface-too-long '/networks/lan/interface' 's|interface: vmbr0|interface: vmbr0-too-long-name|'
expect_invalid interface-slash '/networks/lan/interface' 's|interface: vmbr0|interface: br/0|'
expect_invalid interface-quote '/networks/lan/interface' "s|interface: vmbr0|interface: 'a\"drop;#'|"
expect_invalid interface-wildcard '/networks/lan/interface' 's|interface: vmbr0|interface: vmbr*|'
expect_invalid missing-interface '/networks/lan' '/interface: vmbr0/d'
expect_invalid missing-networks '/' '/^networks:/,/^hosts:/{/^hosts:/!d}'
expect_invalid no-networks '/networks' '/^networks:/,/^hosts:/{/^networks:/!{/^hosts:/!d}}; s|^networks:|networks: {}|'
expect_invalid forward-missing-to '/forwards/1' 's|- { listen: lan:6443, to: api:api }|- { listen: lan:6443 }|'
expect_invalid forwards-not-list '/forwards' '/^forwards:/,/^dns:/{/^forwards:/!{/^dns:/!d}}; s|^forwards:|forwards: { listen: lan:443 }|'
expect_invalid version-2 '/version' 's|^version: 1|version: 2|'
expect_invalid ttl-negative '/dns/ttl' 's|  zone: cluster|  zone: cluster\n  ttl: -1|'
expect_invalid ttl-too-big '/dns/ttl' 's|  zone: cluster|  zone: cluster\n  ttl: 604801|'
expect_invalid dns-without-zone '/dns' '/  zone: cluster/d'
expect_invalid zone-bad-label '/dns/zone' 's|zone: cluster|zone: my_cluster|'
expect_invalid dns-name-bad '/dns/names' 's|names: { argocd: ingress }|names: { "argo cd": ingress }|'
expect_invalid dns-wildcard-not-first '/dns/names' 's|names: { argocd: ingress }|names: { "apps.*": ingress }|'
expect_invalid dns-name-target-not-name '/dns/names/argocd' 's|names: { argocd: ingress }|names: { argocd: 192.168.100.80 }|'
expect_invalid listen-not-list '/dns/listen' 's|  zone: cluster|  zone: cluster\n  listen: lan|'
expect_invalid recursion-bad-name '/dns/recursion/0' 's|  zone: cluster|  zone: cluster\n  recursion: [lan_net]|'

check_cases

echo "schema_test: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
