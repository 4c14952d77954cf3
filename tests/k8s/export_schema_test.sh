#!/usr/bin/env bash
# `labgate export k8s`: the exported objects validated offline against the Kubernetes API schemas,
# and `--check`'s drift report.
#
# usage: export_schema_test.sh LABGATE_BINARY SOURCE_DIR BINARY_DIR
#
# Installs the npm packages kubernetes-models and @kubernetes-models/gateway-api (pinned) into
# BINARY_DIR/npm with `npm install --prefix`, and @kubernetes-models/gateway-api 2.0.0 (the first
# with BackendTLSPolicy gateway.networking.k8s.io/v1; it depends on kubernetes-models 5) apart
# into BINARY_DIR/npm-gateway-v1; when npm is missing, scripts/install-deps.sh installs Debian's
# nodejs and npm first. Never skips: a missing tool is a failure.
#  1. The seed's export is its six Ingress objects and kustomization.yaml, and every object is
#     valid; so is every object of tests/k8s/golden/gateway (HTTPRoute, Certificate,
#     BackendTLSPolicy with the system CAs and with a CA ConfigMap, Tailscale annotations).
#  2. Negative cases prove the validator is not vacuous: a wrong pathType, a port given as a
#     string, an HTTPRoute path type that does not exist, a BackendTLSPolicy without a hostname
#     and one with an unknown wellKnownCACertificates are each caught.
#  3. --check: exit 0 on a fresh export; exit 1 with a unified diff naming the changed line, a
#     missing file and a stray file.
set -euo pipefail

labgate=${1:?usage: export_schema_test.sh LABGATE_BINARY SOURCE_DIR BINARY_DIR}
source_dir=${2:?usage}
binary_dir=${3:?usage}
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# --- the validator's packages -------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  "$source_dir/scripts/install-deps.sh"
fi
command -v npm >/dev/null 2>&1 || { echo "FAIL: npm is missing and could not be installed" >&2; exit 1; }
npm_dir=$binary_dir/npm
mkdir -p "$npm_dir"
if [ ! -d "$npm_dir/node_modules/@kubernetes-models/gateway-api" ] ||
   [ ! -d "$npm_dir/node_modules/kubernetes-models" ]; then
  npm install --prefix "$npm_dir" --no-audit --no-fund --loglevel=error \
    kubernetes-models@4.5.1 @kubernetes-models/gateway-api@0.5.1 >&2
fi
modules=$npm_dir/node_modules
npm_v1_dir=$binary_dir/npm-gateway-v1
mkdir -p "$npm_v1_dir"
if [ ! -d "$npm_v1_dir/node_modules/@kubernetes-models/gateway-api" ]; then
  npm install --prefix "$npm_v1_dir" --no-audit --no-fund --loglevel=error \
    @kubernetes-models/gateway-api@2.0.0 >&2
fi

# YAML files -> [{file, object}] (python3-yaml, a Debian package of install-deps.sh).
to_json() {
  "$python" - "$@" <<'PY'
import json, os, sys, yaml
out = []
for path in sys.argv[2:]:
    with open(path) as f:
        for doc in yaml.safe_load_all(f):
            if doc is not None:
                out.append({"file": os.path.basename(path), "object": doc})
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
PY
}

validate() {  # validate NAME JSON: exit status of the validator, its output on stdout
  node "$source_dir/tests/k8s/validate_objects.cjs" "$modules" "$2" "$npm_v1_dir/node_modules"
}

# --- 1. the seed and every option ---------------------------------------------------------------
"$labgate" export k8s -c "$source_dir/examples/homelab.yaml" -o "$work/seed"
files=$(cd "$work/seed" && ls | tr '\n' ' ')
expected="argocd-tailscale.ingress.yaml argocd.ingress.yaml kustomization.yaml longhorn-tailscale.ingress.yaml longhorn.ingress.yaml navidrome-tailscale.ingress.yaml navidrome.ingress.yaml "
[ "$files" = "$expected" ] && pass "seed export writes six Ingresses and kustomization.yaml" ||
  fail "seed export wrote: $files"
to_json "$work/seed.json" "$work"/seed/*.yaml
if out=$(validate seed "$work/seed.json"); then
  n=$(grep -c '^ok .* networking.k8s.io/v1/Ingress$' <<<"$out")
  [ "$n" -eq 6 ] && pass "six seed Ingress objects valid" || fail "expected 6 valid Ingresses: $out"
else
  fail "seed objects invalid: $out"
fi
to_json "$work/gateway.json" "$source_dir"/tests/k8s/golden/gateway/*.yaml
if out=$(validate gateway "$work/gateway.json"); then
  grep -q '^ok .* gateway.networking.k8s.io/v1/HTTPRoute$' <<<"$out" &&
    pass "HTTPRoutes, Certificate and Tailscale Ingress valid" || fail "no HTTPRoute checked: $out"
  [ "$(grep -c '^ok .*backendtlspolicy.yaml gateway.networking.k8s.io/v1/BackendTLSPolicy$' <<<"$out")" -eq 2 ] &&
    pass "both BackendTLSPolicies valid" || fail "expected 2 valid BackendTLSPolicies: $out"
else
  fail "golden gateway objects invalid: $out"
fi

# --- 2. the validator catches what it must ------------------------------------------------------
# expect_invalid NAME FROM PICK MUTATE WHAT MESSAGE: the first object of FROM.json for which the
# python expression PICK (on x, {file, object}) holds, mutated by MUTATE (on o), must be refused
# with MESSAGE in the validator's output.
expect_invalid() {
  "$python" - "$work/$2.json" "$work/$1.json" "$3" "$4" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))
o = next(x["object"] for x in objs if eval(sys.argv[3]))
exec(sys.argv[4])
json.dump([{"file": "mutated", "object": o}], open(sys.argv[2], "w"))
PY
  if out=$(validate "$1" "$work/$1.json"); then
    fail "$5 was not caught"
  elif grep -q "$6" <<<"$out"; then
    pass "$5 caught ($out)"
  else
    fail "$5: unexpected message: $out"
  fi
}
navidrome='x["file"] == "navidrome.ingress.yaml"'
policy='x["object"]["kind"] == "BackendTLSPolicy"'
expect_invalid pathtype seed "$navidrome" 'o["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = "Prefixx"' \
  "a wrong pathType" "pathType must be equal to one of the allowed values"
expect_invalid portstring seed "$navidrome" 'o["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] = "4533"' \
  "a port given as a string" "number must be integer"
"$python" - "$work/gateway.json" "$work/route.json" <<'PY'
import json, sys
objs = json.load(open(sys.argv[1]))
o = next(x for x in objs if x["object"]["kind"] == "HTTPRoute")
o["object"]["spec"]["rules"][0]["matches"][0]["path"]["type"] = "Prefix"
json.dump([o], open(sys.argv[2], "w"))
PY
if out=$(validate route "$work/route.json"); then
  fail "an HTTPRoute path type 'Prefix' was not caught"
else
  pass "an HTTPRoute path type 'Prefix' caught ($out)"
fi

expect_invalid nohostname gateway "$policy" 'del o["spec"]["validation"]["hostname"]' \
  "a BackendTLSPolicy without validation.hostname" "hostname"
expect_invalid badca gateway "$policy" 'v = o["spec"]["validation"]; v.pop("caCertificateRefs", None); v["wellKnownCACertificates"] = "Nope"' \
  "an unknown wellKnownCACertificates" "wellKnownCACertificates"

# --- 3. --check ---------------------------------------------------------------------------------
if out=$("$labgate" export k8s -c "$source_dir/examples/homelab.yaml" --check "$work/seed"); then
  [ -z "$out" ] && pass "--check: a fresh export has not drifted" || fail "--check printed: $out"
else
  fail "--check failed on a fresh export: $out"
fi
sed -i 's/number: 4533/number: 4534/' "$work/seed/navidrome.ingress.yaml"
rm "$work/seed/argocd-tailscale.ingress.yaml"
echo "kind: Ingress" >"$work/seed/stray.yaml"
set +e
out=$("$labgate" export k8s -c "$source_dir/examples/homelab.yaml" --check "$work/seed")
status=$?
set -e
[ "$status" -eq 1 ] && pass "--check exits 1 on drift" || fail "--check exit status $status on drift"
for want in "-                  number: 4534" "+                  number: 4533" \
  "+++ $work/seed/argocd-tailscale.ingress.yaml (labgate)" "--- $work/seed/stray.yaml"; do
  grep -qF -- "$want" <<<"$out" && pass "--check diff has '$want'" || fail "--check diff lacks '$want':
$out"
done

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all passed"
