#!/usr/bin/env bash
# `labgate import k8s` on the command line: a kustomize directory (the seed's export, followed
# through kustomization.yaml's resources, a nested directory included), files given one by one,
# stdin, and a malformed manifest (FILE:LINE:COL, exit 2). No root, no network.
#
# usage: import_cli_test.sh LABGATE_BINARY SOURCE_DIR BINARY_DIR
set -euo pipefail
labgate=${1:?usage: import_cli_test.sh LABGATE_BINARY SOURCE_DIR BINARY_DIR}
source_dir=${2:?usage}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
seed=$source_dir/examples/homelab.yaml

# The seed's export as a kustomize tree: the Tailscale Ingresses moved into a sub-directory with
# a kustomization of its own.
"$labgate" export k8s -c "$seed" -o "$work/deploy"
mkdir "$work/deploy/tailnet"
mv "$work"/deploy/*-tailscale.ingress.yaml "$work/deploy/tailnet/"
printf 'resources:\n  - argocd-tailscale.ingress.yaml\n  - longhorn-tailscale.ingress.yaml\n  - navidrome-tailscale.ingress.yaml\n' \
  >"$work/deploy/tailnet/kustomization.yaml"
sed -i '/-tailscale.ingress.yaml$/d; s/^resources:$/resources:\n  - tailnet/' "$work/deploy/kustomization.yaml"
echo "stray: file" >"$work/deploy/not-listed.yaml"  # not a resource: never read

"$labgate" import k8s "$work/deploy" >"$work/fragment.yaml" || fail "import of a kustomize directory failed"
# The seed without its apps, plus the imported ones, is the seed again.
python3 - "$seed" "$work/fragment.yaml" >"$work/imported.yaml" <<'PY'
import re, sys
seed, fragment = (open(p).read() for p in sys.argv[1:3])
seed = re.sub(r"(?ms)^apps:.*?(?=^\S|\Z)", "", seed)
print(seed + fragment[fragment.index("\napps:\n") + 1:])
PY
"$labgate" check -c "$work/imported.yaml" >/dev/null 2>&1 || fail "the imported apps do not check: $(cat "$work/fragment.yaml")"
"$labgate" export k8s -c "$seed" -o "$work/from-seed"
"$labgate" export k8s -c "$work/imported.yaml" -o "$work/from-import"
diff -r "$work/from-seed" "$work/from-import" >&2 &&
  pass "import of the exported seed gives the seed's apps (identical manifests)" ||
  fail "the imported apps export differently"
diff <("$labgate" export talos -c "$seed") <("$labgate" export talos -c "$work/imported.yaml") >/dev/null ||
  fail "talos export differs"
grep -q "not-listed" "$work/fragment.yaml" && fail "a file kustomization.yaml does not list was read" ||
  pass "only kustomization.yaml's resources are read"

# Files and stdin.
"$labgate" import k8s "$source_dir/tests/importers/golden/k8s/seed-document.yaml" >"$work/doc.yaml" ||
  fail "import of the seed document's manifests failed"
grep -q "ingress: { class: nginx, host: navidrome.cluster }" "$work/doc.yaml" &&
  grep -q "the issuer annotation had no spec.tls" "$work/doc.yaml" &&
  pass "the seed document's manifests give navidrome, with the missing spec.tls noted" ||
  fail "unexpected fragment: $(cat "$work/doc.yaml")"
grep -q "<stdin>:19" <("$labgate" import k8s - <"$source_dir/tests/importers/golden/k8s/seed-document.yaml") &&
  pass "stdin is read and named <stdin>" || fail "stdin import"

# Malformed input: FILE:LINE:COL and exit 2.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\nkind: [\n' >"$work/bad.yaml"
run() {  # COMMAND... -> $out (stdout and stderr) and $status, without stopping on failure
  set +e
  out=$("$@" 2>&1)
  status=$?
  set -e
}
run "$labgate" import k8s "$work/bad.yaml"
[ "$status" = 2 ] && grep -q "^$work/bad.yaml:6:1: error: " <<<"$out" &&
  pass "a malformed manifest is FILE:LINE:COL with exit 2" || fail "malformed: status $status: $out"
printf 'resources: a.yaml\n' >"$work/deploy/kustomization.yaml"
run "$labgate" import k8s "$work/deploy"
[ "$status" = 2 ] && grep -q "kustomization.yaml:1:12: error: 'resources' must be a list" <<<"$out" &&
  pass "a malformed kustomization.yaml is FILE:LINE:COL with exit 2" || fail "kustomization: $status: $out"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all passed"
