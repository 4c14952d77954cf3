#!/usr/bin/env bash
# The man pages and completions are generated from the command line's own definitions (`labgate
# generate`) and docs/config.md (scripts/config-man.sh + go-md2man), as the Debian package builds
# them. This test checks that they say what `--help` says: every command has a page, every option
# of every command and nested command (as `--help` lists it) is in its page and in both
# completions, and every key section of docs/config.md is in labgate.yaml(5).
# usage: manpages_test.sh LABGATE_BINARY SOURCE_DIR
set -euo pipefail
labgate=${1:?usage: manpages_test.sh LABGATE_BINARY SOURCE_DIR}
source_dir=${2:?usage: manpages_test.sh LABGATE_BINARY SOURCE_DIR}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$labgate" generate man "$work/man"
"$labgate" generate completion bash > "$work/bash"
"$labgate" generate completion zsh > "$work/zsh"
bash -n "$work/bash" || fail "the bash completion is not valid bash"
command -v zsh >/dev/null && { zsh -n "$work/zsh" || fail "the zsh completion is not valid zsh"; }

# The commands, as `labgate --help` lists them.
commands=$("$labgate" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
[ -n "$commands" ] || fail "no commands in labgate --help"
[ -f "$work/man/labgate.1" ] || fail "no labgate.1"
checked=0
for c in $commands; do
  page=$work/man/labgate-$c.1
  [ -f "$page" ] || fail "no man page for '$c'"
  grep -q "labgate\\\\-$c" "$work/man/labgate.1" || fail "labgate.1 does not list '$c'"
  text=$(sed 's/\\-/-/g' "$page")
  subs=$("$labgate" "$c" --help | awk '/^Subcommands:/ {on=1; next} on && /^  [a-z]/ {print $1}')
  for path in "$c" $(for s in $subs; do echo "$c:$s"; done); do
    # shellcheck disable=SC2086
    for opt in $("$labgate" ${path/:/ } --help | grep -oE '(^|[ ,])--[a-z][a-z0-9-]*' | tr -d ' ,' | sort -u); do
      [ "$opt" = "--help" ] && continue
      grep -qF -- "$opt" <<<"$text" || fail "'labgate ${path/:/ } --help' has $opt, its man page has not"
      grep -qF -- "$opt" "$work/bash" || fail "$opt of '${path/:/ }' is not in the bash completion"
      grep -qF -- "$opt" "$work/zsh" || fail "$opt of '${path/:/ }' is not in the zsh completion"
      checked=$((checked + 1))
    done
    [ "$path" = "$c" ] && continue
    grep -qF "${path/:/ }" <<<"$text" || fail "the page of '$c' does not describe '${path/:/ }'"
  done
done
[ "$checked" -gt 20 ] || fail "only $checked options checked: is --help parsed?"

# The bash completion completes: the commands at the top, the options of a nested command.
# shellcheck disable=SC1090
source "$work/bash"
COMP_WORDS=(labgate im); COMP_CWORD=1; _labgate
[ "${COMPREPLY[*]}" = "import" ] || fail "bash completion of 'labgate im': '${COMPREPLY[*]}'"
COMP_WORDS=(labgate import iptables --net); COMP_CWORD=3; _labgate
[ "${COMPREPLY[*]}" = "--network" ] || fail "bash completion of 'import iptables --net': '${COMPREPLY[*]}'"

# labgate.yaml(5) from docs/config.md: every key's section is in the page.
command -v go-md2man >/dev/null || fail "go-md2man is missing (scripts/install-deps.sh installs it)"
"$source_dir/scripts/config-man.sh" "$source_dir/docs/config.md" > "$work/config.md"
go-md2man -in "$work/config.md" -out "$work/labgate.yaml.5"
grep -q '^\.TH labgate.yaml 5' "$work/labgate.yaml.5" || fail "labgate.yaml.5 has no .TH"
keys=$(grep -oE '^### `[a-z_]+`' "$source_dir/docs/config.md" | tr -d '#` ')
[ -n "$keys" ] || fail "no key sections in docs/config.md"
for k in $keys; do
  grep -q "^\\.SS .*$k" "$work/labgate.yaml.5" || fail "labgate.yaml(5) has no section for '$k'"
done
echo "ok: $(echo "$commands" | wc -w) commands, $checked options in man pages and completions, $(echo "$keys" | wc -w) keys in labgate.yaml(5)"
