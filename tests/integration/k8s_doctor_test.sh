#!/usr/bin/env bash
# `labgate doctor` against a fake Kubernetes API over HTTPS, in a namespace made here: python3's
# http.server + ssl serves tests/k8s/recordings/ by API path (the file name of a request is its
# path and query with '/' as '_' and '?' as '@'; a fault directory holds only the files that
# differ from healthy/) and wants the kubeconfig's bearer token. The namespace carries the seed's
# API VIP (192.168.100.50) and the gateway's LAN address (192.168.1.55) on lo, so the seed's
# `lan:6443 -> kubernetes-api:api` forward is checked through both; the certificate names both.
# healthy -> exit 0; a fault -> exit 1 naming its check; a wrong CA -> FAIL "certificate" in < 15 s.
# Never a hang (k8s/kube_http.h): a server that stalls after the TLS handshake on every path, one
# that answers /version and stalls on the rest, and an address that accepts TCP and never sends a
# byte each give exit 1 within 25 s, the rows naming the timeout.
# Usage: k8s_doctor_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
command -v openssl >/dev/null || fail "openssl is missing (scripts/install-deps.sh)"
command -v python3 >/dev/null || fail "python3 is missing (scripts/install-deps.sh)"

ns=lgdoc$$
tmp=$(mktemp -d)
server_pid= silent_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null
  ip netns del $ns 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $ns || fail "ip netns add"
ip -n $ns link set lo up
ip -n $ns addr add 192.168.100.50/32 dev lo
ip -n $ns addr add 192.168.1.55/32 dev lo

# A CA, the API server's certificate from it, and a second CA nobody signed with.
for ca in ca wrong; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$ca-ca" \
    -keyout "$tmp/$ca.key" -out "$tmp/$ca.crt" 2>/dev/null || fail "openssl req ($ca)"
done
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
  -keyout "$tmp/server.key" -out "$tmp/server.csr" 2>/dev/null || fail "openssl req (server)"
printf 'subjectAltName=IP:192.168.100.50,IP:192.168.1.55\n' >"$tmp/san.ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 1 -extfile "$tmp/san.ext" -out "$tmp/server.crt" 2>/dev/null || fail "openssl x509"

cat >"$tmp/server.py" <<'PY'
import http.server, os, ssl, sys, time
root, state, cert, key = sys.argv[1:5]
class Api(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Authorization") != "Bearer doctor-token":
            return self.answer(401, b'{"kind":"Status","code":401}')
        name = self.path.lstrip("/").replace("/", "_").replace("?", "@") + ".json"
        fault = open(state).read().strip()
        # A server that read the request and never answers: every path, or all but /version.
        if fault == "stall" or (fault == "stall-apps" and self.path != "/version"):
            time.sleep(120)
            return
        for d in (fault, "healthy"):
            p = os.path.join(root, d, name)
            if os.path.isfile(p):
                return self.answer(200, open(p, "rb").read())
        self.answer(404, b'{"kind":"Status","code":404}')
    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("0.0.0.0", 6443), Api)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.serve_forever()
PY
echo healthy >"$tmp/fault"
# An address that accepts connections and never reads or sends (not even a TLS handshake).
cat >"$tmp/silent.py" <<'PY'
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.168.100.50", 7443))
s.listen(64)
held = []
while True:
    held.append(s.accept()[0])
PY
ip netns exec $ns python3 "$tmp/silent.py" 2>"$tmp/silent.log" &
silent_pid=$!
ip netns exec $ns python3 "$tmp/server.py" "$src/tests/k8s/recordings" "$tmp/fault" \
  "$tmp/server.crt" "$tmp/server.key" 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 50); do
  ip netns exec $ns bash -c '</dev/tcp/192.168.100.50/6443' 2>/dev/null && break
  sleep 0.1
done

kubeconfig() {  # CA_FILE OUT [SERVER]
  cat >"$2" <<KC
apiVersion: v1
kind: Config
current-context: doctor
clusters:
  - name: homelab
    cluster:
      server: ${3:-https://192.168.100.50:6443}
      certificate-authority-data: $(base64 -w0 "$1")
contexts:
  - name: doctor
    context: { cluster: homelab, user: doctor }
users:
  - name: doctor
    user: { token: doctor-token }
KC
}
kubeconfig "$tmp/ca.crt" "$tmp/good.kubeconfig"
kubeconfig "$tmp/wrong.crt" "$tmp/wrong.kubeconfig"
kubeconfig "$tmp/ca.crt" "$tmp/silent.kubeconfig" https://192.168.100.50:7443

doctor() {  # KUBECONFIG [ARGS...]: runs the seed's doctor in the namespace
  local kc=$1
  shift
  timeout 60 ip netns exec $ns "$labgate" doctor -c "$src/examples/homelab.yaml" --kubeconfig "$kc" "$@"
}

out=$(doctor "$tmp/good.kubeconfig"); rc=$?
[ $rc = 0 ] || { echo "$out"; cat "$tmp/server.log"; fail "healthy: exit $rc"; }
echo "$out"
for check in "api reachable (kubeconfig https://192.168.100.50:6443)" \
             "api reachable (gateway forward https://192.168.1.55:6443)" \
             "api reachable (VIP https://192.168.100.50:6443)" \
             "ingressclass tailscale" "ingress media/navidrome" "endpoints argocd/argocd-server" \
             "tailscale hostname argocd/argocd-tailscale" "tailscale proxy media/navidrome-tailscale" \
             "certificate media/navidrome-tls" "warnings tailscale"; do
  grep -qF "$check" <<<"$out" || fail "healthy: no check '$check'"
done
grep -q '27 checks: 27 passed, 0 failed' <<<"$out" || fail "healthy: not every check passed"
doctor "$tmp/good.kubeconfig" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["pass"] and len(j["checks"]) == 27' \
  || fail "healthy --json"

echo no-ready-endpoints >"$tmp/fault"
out=$(doctor "$tmp/good.kubeconfig"); rc=$?
echo "$out"
[ $rc = 1 ] || fail "no-ready-endpoints: exit $rc, want 1"
[ "$(grep -c ' FAIL$' <<<"$out")" = 1 ] || fail "no-ready-endpoints: not exactly one FAIL"
grep -E '^endpoints longhorn-system/longhorn-frontend .* 0 ready .* FAIL$' <<<"$out" >/dev/null \
  || fail "no-ready-endpoints: the failing check is not named"

echo healthy >"$tmp/fault"
start=$(date +%s)
out=$(doctor "$tmp/wrong.kubeconfig" 2>&1); rc=$?
took=$(( $(date +%s) - start ))
echo "$out"
[ $rc = 1 ] || fail "wrong CA: exit $rc, want 1"
grep -E '^api reachable \(kubeconfig .*certificate.* FAIL$' <<<"$out" >/dev/null \
  || fail "wrong CA: the certificate problem is not named"
[ "$took" -lt 15 ] || fail "wrong CA: took ${took}s"
wrong_ca=$took

timed() {  # LABEL KUBECONFIG: runs doctor into $out, $rc and $took; wants exit 1 within 25 s
  local label=$1 start
  start=$(date +%s)
  out=$(doctor "$2" 2>&1); rc=$?
  took=$(( $(date +%s) - start ))
  echo "$out"
  [ $rc = 1 ] || fail "$label: exit $rc, want 1"
  [ "$took" -lt 25 ] || fail "$label: took ${took}s, want < 25 s"
}

# Stalled after the handshake: the three reachability checks wait together, each names it.
echo stall >"$tmp/fault"
timed stall "$tmp/good.kubeconfig"
stall=$took
[ "$(grep -c '^api reachable .*timed out.* FAIL$' <<<"$out")" = 3 ] \
  || fail "stall: not every reachability row names the timeout"
[ "$(grep -c ' FAIL$' <<<"$out")" = 3 ] || fail "stall: not exactly the three API checks"

# /version answers, nothing else does: one timeout, and the other checks give up at once.
echo stall-apps >"$tmp/fault"
timed stall-apps "$tmp/good.kubeconfig"
stall_apps=$took
grep -q '24 checks: 3 passed, 21 failed' <<<"$out" || fail "stall-apps: want every app check failed"
grep -E '^ingressclass nginx .*timed out after .* FAIL$' <<<"$out" >/dev/null \
  || fail "stall-apps: the first app check does not name the timeout"
grep -E '^warnings media .*not tried, an earlier request timed out.* FAIL$' <<<"$out" >/dev/null \
  || fail "stall-apps: a later check does not name the earlier timeout"

# An address that accepts TCP and never answers: the connect limit (3 s, handshake included).
echo healthy >"$tmp/fault"
timed silent "$tmp/silent.kubeconfig"
silent=$took
grep -E '^api reachable \(kubeconfig https://192.168.100.50:7443\) .*(timed out|timeout).* FAIL$' \
  <<<"$out" >/dev/null || fail "silent: the reachability row does not name the timeout"
echo "PASS: k8s_doctor (wrong CA ${wrong_ca}s, stalled ${stall}s, stalled apps ${stall_apps}s," \
  "silent ${silent}s)"
