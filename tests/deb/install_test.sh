#!/usr/bin/env bash
# The Debian package, installed as on a fresh Debian 12 host: install, upgrade over a previous
# version with an edited conffile, run what the units run, purge.
#
# usage: install_test.sh LABGATE_BINARY SOURCE_DIR BUILD_DIR
#
# Where: a debootstrap'd bookworm minbase chroot, made from Debian's packages through the mirror
# this machine's apt already uses (read at run time from /etc/apt/sources.list*; nothing else on
# the network is used). The chroot is cached as a tarball in BUILD_DIR/deb-cache, keyed by the
# package's dependencies, so later runs need no network at all.
#
# Why this stands for a real host: dpkg in the chroot does what it does on a host (conffile
# handling, maintainer scripts, the files and their owners), and the package's dependencies come
# from bookworm itself, so ${shlibs:Depends} is proven sufficient (the binary runs against them
# alone). systemd is not PID 1 here, so units cannot be started; instead the units are checked by
# `systemd-analyze verify` against the installed tree, and their ExecStart/ExecReload/ExecStop lines
# are read from the installed unit files and run by hand, in the chroot, inside a network namespace
# this test creates: labgate.service's apply loads the table (nft shows it), labgate-run.service's
# daemon says READY=1 on a notify socket as Type=notify requires, answers a DNS query for a seed
# name, survives its ExecReload (SIGHUP), and stops on SIGTERM.
#
# Needs root, debootstrap and dpkg-dev; fails (never skips) when something is missing. Removes its
# chroot, namespace and processes on any exit.
set -euo pipefail
labgate=${1:?usage: install_test.sh LABGATE_BINARY SOURCE_DIR BUILD_DIR}
source_dir=${2:?usage}
build_dir=${3:?usage}
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
[ "$(id -u)" -eq 0 ] || fail "needs root (chroot, dpkg, network namespaces)"
for tool in debootstrap dpkg-deb ip dig python3 systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/install-deps.sh)"
done
start=$(date +%s)

id=labgate-deb-$$-$RANDOM
root=/tmp/$id
ns=$id
work=$(mktemp -d "/tmp/$id-work.XXXX")
daemon=
cleanup() {
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  # Nothing is mounted outside the namespace's private mounts; be sure anyway before rm -rf.
  for m in $(awk -v r="$root" '$2 ~ "^"r {print $2}' /proc/mounts | sort -r); do umount -l "$m"; done
  rm -rf "$root" "$work"
}
trap cleanup EXIT

# ---- the package: LABGATE_DEB, or built now with `make deb` ----
if [ -n "${LABGATE_DEB:-}" ]; then
  deb=$LABGATE_DEB
else
  step "make deb"
  make -C "$source_dir" deb BUILD="$build_dir" DEB_OUT="$build_dir/deb" >"$work/make-deb.log" 2>&1 ||
    { tail -n 40 "$work/make-deb.log"; fail "make deb failed"; }
  deb=$(ls "$build_dir"/deb/labgate_*_amd64.deb)
fi
[ -f "$deb" ] || fail "no package at $deb"
version=$(dpkg-deb -f "$deb" Version)
echo "package: $deb ($version)"

# A previous version to upgrade from: the same files, an older version number and a packaged
# conffile that differs from the new one (so the upgrade meets a conffile changed on both sides).
step "previous version"
dpkg-deb -R "$deb" "$work/old"
sed -i "s/^Version: .*/Version: 0.0.1/" "$work/old/DEBIAN/control"
sed -i '1a # (the packaged file of labgate 0.0.1)' "$work/old/etc/labgate/labgate.yaml"
(cd "$work/old" && find etc -type f | sed 's|^|/|' > DEBIAN/conffiles.tmp && mv DEBIAN/conffiles.tmp DEBIAN/conffiles
 find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum | sed 's| \./| |' > DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$work/old" "$work/labgate_0.0.1_amd64.deb" >/dev/null

# ---- the chroot ----
mirror=$(python3 - <<'PY'
import glob, re
files = sorted(glob.glob('/etc/apt/sources.list.d/*.sources')) + ['/etc/apt/sources.list'] + sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
for f in files:
    try:
        text = open(f).read()
    except OSError:
        continue
    if f.endswith('.sources'):
        for block in re.split(r'\n\s*\n', text):
            fields = dict((k.strip().lower(), v.strip()) for k, _, v in
                          (l.partition(':') for l in block.splitlines() if ':' in l and not l.startswith('#')))
            if 'bookworm' in fields.get('suites', '').split() and 'deb' in fields.get('types', '').split():
                print(fields['uris'].split()[0]); raise SystemExit
    else:
        for l in text.splitlines():
            w = re.sub(r'\[[^]]*\]', '', l).split()
            if len(w) >= 3 and w[0] == 'deb' and w[2] == 'bookworm':
                print(w[1]); raise SystemExit
PY
)
[ -n "$mirror" ] || fail "no bookworm mirror in /etc/apt/sources.list*"
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/[|(].*//; s/ //g' | grep -v '^$' | sort -u | paste -sd, -)
cache=$build_dir/deb-cache
mkdir -p "$cache"
key=$(echo "bookworm minbase $depends" | md5sum | cut -c1-12)
tarball=$cache/bookworm-minbase-$key.tgz
if [ ! -f "$tarball" ]; then
  step "debootstrap --make-tarball (once; cached in $cache)"
  rm -f "$cache"/bookworm-minbase-*.tgz
  debootstrap --variant=minbase --include="$depends" --make-tarball="$tarball.tmp" bookworm "$work/tarball-root" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; fail "debootstrap --make-tarball failed"; }
  mv "$tarball.tmp" "$tarball"
  rm -rf "$work/tarball-root"
fi
step "debootstrap bookworm minbase into $root"
debootstrap --variant=minbase --include="$depends" --unpack-tarball="$tarball" bookworm "$root" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; fail "debootstrap failed"; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"; }
cp "$deb" "$work/labgate_0.0.1_amd64.deb" "$root/tmp/"
new=/tmp/$(basename "$deb")

# ---- install the previous version; edit the conffile; upgrade ----
step "install 0.0.1"
in_root dpkg -i /tmp/labgate_0.0.1_amd64.deb
[ "$(in_root dpkg-query -W -f='${Status} ${Version}' labgate)" = "install ok installed 0.0.1" ] ||
  fail "0.0.1 is not installed"
for f in /usr/bin/labgate /etc/labgate/labgate.yaml /lib/systemd/system/labgate.service \
         /lib/systemd/system/labgate-run.service /usr/share/labgate/labgate.schema.json \
         /usr/share/man/man1/labgate.1.gz /usr/share/man/man1/labgate-run.1.gz \
         /usr/share/man/man1/labgate-import.1.gz /usr/share/man/man5/labgate.yaml.5.gz \
         /usr/share/bash-completion/completions/labgate /usr/share/zsh/vendor-completions/_labgate \
         /usr/share/labgate/labgate-run-kernel-counters.conf; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
grep -q '/etc/labgate/labgate.yaml' <(in_root dpkg-query -W -f='${Conffiles}\n' labgate) ||
  fail "/etc/labgate/labgate.yaml is not a conffile"
in_root labgate check >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "labgate check of the packaged file"; }
grep -q "^/etc/labgate/labgate.yaml: ok" "$work/check.out" || { cat "$work/check.out"; fail "check did not read /etc/labgate/labgate.yaml"; }

sed -i 's/^  talos-worker-01: .*/&\n  talos-worker-02:       { network: cluster, address: 192.168.100.71 }  # edited by the owner/' \
  "$root/etc/labgate/labgate.yaml"
grep -q 'talos-worker-02' "$root/etc/labgate/labgate.yaml" || fail "the test could not edit the conffile"

step "upgrade to $version over the edited conffile (--force-confold)"
in_root dpkg -i --force-confold "$new"
[ "$(in_root dpkg-query -W -f='${Status} ${Version}' labgate)" = "install ok installed $version" ] ||
  fail "$version is not installed after the upgrade"
grep -q 'talos-worker-02.*edited by the owner' "$root/etc/labgate/labgate.yaml" ||
  fail "the upgrade lost the owner's edit of /etc/labgate/labgate.yaml"
[ -f "$root/etc/labgate/labgate.yaml.dpkg-dist" ] || fail "dpkg did not keep the new default as .dpkg-dist"
grep -qx "labgate ${version%%-*}" <(in_root labgate --version) || fail "labgate --version after the upgrade"
in_root labgate check >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "check after the upgrade"; }
grep -q "4 hosts" "$work/check.out" || { cat "$work/check.out"; fail "check did not see the edited file"; }

# ---- the units ----
# The chroot has no systemd of its own (no sysinit.target to resolve the units' dependencies
# against), so the host's systemd verifies each installed unit with its executables looked up in
# the installed tree.
step "systemd-analyze verify (the installed units, their executables in the chroot)"
# labgate-run.service with its opt-in drop-in beside it (verify reads UNIT.d/ next to the unit):
# the drop-in's lines must parse too.
mkdir -p "$work/labgate-run.service.d"
cp "$root/usr/share/labgate/labgate-run-kernel-counters.conf" "$work/labgate-run.service.d/"
for u in labgate.service labgate-run.service; do
  sed "s|=/usr/bin/labgate|=$root/usr/bin/labgate|g" "$root/lib/systemd/system/$u" >"$work/$u"
  systemd-analyze verify --man=no "$work/$u" >"$work/verify.out" 2>&1 ||
    { cat "$work/verify.out"; fail "systemd-analyze verify $u"; }
  if grep -q -v -e 'Cannot add dependency job' -e '^$' "$work/verify.out"; then
    cat "$work/verify.out"; fail "systemd-analyze verify $u printed warnings"
  fi
done
systemd-analyze security --offline=yes --root="$root" /lib/systemd/system/labgate-run.service \
  >"$work/security.out" 2>&1 || true
overall=$(grep -o 'Overall exposure level for .*' "$work/security.out" || true)
[ -n "$overall" ] || { cat "$work/security.out"; fail "systemd-analyze security gave no rating"; }
echo "  $overall"
# The same with the kernel-counters drop-in turned on as its comment says (then off again).
dropin_dir=$root/etc/systemd/system/labgate-run.service.d
install -D -m 0644 "$root/usr/share/labgate/labgate-run-kernel-counters.conf" "$dropin_dir/kernel-counters.conf"
systemd-analyze security --offline=yes --root="$root" /lib/systemd/system/labgate-run.service \
  >"$work/security-dropin.out" 2>&1 || true
grep -q 'CAP_NET_ADMIN .*Service has network configuration privileges' "$work/security-dropin.out" ||
  { cat "$work/security-dropin.out"; fail "systemd-analyze security does not see the drop-in's CAP_NET_ADMIN"; }
echo "  with the kernel-counters drop-in: $(grep -o 'Overall exposure level for .*' "$work/security-dropin.out" || true)"
rm -r "$dropin_dir"

unit_line() {  # unit key -> the command, with the unit's $MAINPID left for the caller
  sed -n "s/^$2=//p" "$root/lib/systemd/system/$1" | head -n1
}
apply=$(unit_line labgate.service ExecStart)
stop=$(unit_line labgate.service ExecStop)
run=$(unit_line labgate-run.service ExecStart)
reload=$(unit_line labgate-run.service ExecReload)
[ "$(unit_line labgate-run.service Type)" = notify ] || fail "labgate-run.service is not Type=notify"
[[ $apply == /usr/bin/labgate\ apply* && $run == /usr/bin/labgate\ run* && $reload == */kill\ -HUP\ \$MAINPID ]] ||
  fail "unexpected unit lines: '$apply' '$run' '$reload'"

step "the units' commands in network namespace $ns"
ip netns add "$ns"
ip -n "$ns" link set lo up
# The seed's gateway addresses, on links named as the seed's bridges (veth pairs: the kernel here
# may have no dummy links).
for pair in vmbr0:192.168.1.55/24 vmbr1:192.168.100.1/24; do
  link=${pair%%:*}
  ip -n "$ns" link add "$link" type veth peer name "$link-peer"
  ip -n "$ns" addr add "${pair#*:}" dev "$link"
  ip -n "$ns" link set "$link" up
  ip -n "$ns" link set "$link-peer" up
done
# `ip netns exec` gives the command its own mount namespace: /proc and /sys mounted there vanish with it.
in_ns_root() {
  ip netns exec "$ns" sh -c 'mount -t proc proc "$0/proc" && mount -t sysfs sys "$0/sys" && shift && exec chroot "$0" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "$@"' "$root" _ "$@"
}
mkdir -p "$root/var/lib/labgate" && chmod 0700 "$root/var/lib/labgate"  # the unit's StateDirectory=
# shellcheck disable=SC2086
in_ns_root $apply >"$work/apply.out" 2>&1 || { cat "$work/apply.out"; fail "labgate.service ExecStart: $apply"; }
ip netns exec "$ns" nft list table inet labgate >"$work/table" 2>&1 || { cat "$work/table"; fail "no table inet labgate after the apply"; }
grep -q 'dnat' "$work/table" || fail "the applied table has no DNAT"
# shellcheck disable=SC2086
in_ns_root $stop >"$work/stop.out" 2>&1 || { cat "$work/stop.out"; fail "labgate.service ExecStop: $stop"; }
! ip netns exec "$ns" nft list table inet labgate >/dev/null 2>&1 || fail "the table is still there after ExecStop"

# Type=notify: a socket standing for systemd's, which must receive READY=1.
python3 - "$root/run/notify.sock" >"$work/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); s.settimeout(20)
while True:
    msg = s.recv(4096).decode()
    print(msg.replace("\n", " "), flush=True)
    if "READY=1" in msg.split("\n"): break
PY
notify=$!
for _ in $(seq 50); do [ -S "$root/run/notify.sock" ] && break; sleep 0.1; done
# shellcheck disable=SC2086
ip netns exec "$ns" sh -c 'mount -t proc proc "$0/proc" && shift && exec chroot "$0" /usr/bin/env -i PATH=/usr/bin:/bin NOTIFY_SOCKET=/run/notify.sock "$@"' "$root" _ $run \
  >"$work/run.out" 2>&1 &
daemon=$!
wait "$notify" || { cat "$work/notify.out" "$work/run.out"; fail "labgate run never sent READY=1"; }
grep -q 'READY=1' "$work/notify.out" || fail "no READY=1"
answer=$(ip netns exec "$ns" dig +short +time=2 +tries=2 @192.168.1.55 argocd.cluster A)
[ "$answer" = "192.168.1.55" ] || { cat "$work/run.out"; fail "argocd.cluster from the LAN side: '$answer', expected 192.168.1.55"; }
answer=$(ip netns exec "$ns" dig +short +time=2 +tries=2 -b 192.168.100.1 @192.168.100.1 argocd.cluster A)
[ "$answer" = "192.168.100.80" ] || fail "argocd.cluster from the cluster side: '$answer', expected 192.168.100.80"
# ExecReload, with the daemon's pid for $MAINPID.
pid=$(pgrep -f -P "$daemon" 'labgate run' || echo "$daemon")
reload_cmd=${reload//\$MAINPID/$pid}
$reload_cmd
sleep 0.5
kill -0 "$daemon" 2>/dev/null || { cat "$work/run.out"; fail "the daemon died on ExecReload (SIGHUP)"; }
answer=$(ip netns exec "$ns" dig +short +time=2 +tries=2 @192.168.1.55 longhorn.cluster A)
[ "$answer" = "192.168.1.55" ] || { cat "$work/run.out"; fail "no answer after the reload: '$answer'"; }
kill -TERM "$pid"
wait "$daemon" || { cat "$work/run.out"; fail "labgate run did not exit 0 on SIGTERM"; }
daemon=

# ---- purge ----
step "purge"
in_root dpkg --purge labgate
in_root dpkg-query -W labgate >/dev/null 2>&1 && [ -n "$(in_root dpkg-query -W -f='${Status}' labgate | grep -v not-installed)" ] &&
  fail "labgate is still known to dpkg after purge"
for f in /usr/bin/labgate /etc/labgate /var/lib/labgate /lib/systemd/system/labgate-run.service /usr/share/labgate; do
  [ ! -e "$root$f" ] || fail "$f is still there after purge"
done

echo "ok: install, upgrade with an edited conffile, the units' commands (apply, run: READY=1, DNS, reload, stop), purge in $(( $(date +%s) - start ))s"
