#!/usr/bin/env bash
# docs/config.md -> the Markdown of labgate.yaml(5), for go-md2man (debian/rules runs it). The man
# page is made from the document itself at every package build, so the two cannot drift:
# the title becomes NAME and DESCRIPTION, links keep their text, and the rest is the document.
# usage: config-man.sh docs/config.md > labgate.yaml.md
set -euo pipefail
in=${1:?usage: config-man.sh docs/config.md}
awk '
NR == 1 && /^# / {
  print "labgate.yaml 5 \"\" \"labgate\" \"File Formats\""
  print "=================================================="
  print ""
  print "# NAME"
  print ""
  print "labgate.yaml - the labgate topology file"
  print ""
  print "# DESCRIPTION"
  next
}
# The table of contents is links into this document; the sections follow as they are.
/^- / && !seen_section { next }
/^  \[`/ && !seen_section { next }
# go-md2man makes "#" and "##" sections (.SH), "###" subsections (.SS); code in headings is plain.
/^## / { seen_section = 1; gsub(/`/, ""); print; next }
/^### / { gsub(/`/, ""); print; next }
{
  # [text](target) -> text
  line = $0
  while (match(line, /\[[^]]*\]\([^)]*\)/)) {
    link = substr(line, RSTART, RLENGTH)
    text = link
    sub(/^\[/, "", text)
    sub(/\]\(.*$/, "", text)
    line = substr(line, 1, RSTART - 1) text substr(line, RSTART + RLENGTH)
  }
  print line
}
END {
  print ""
  print "# SEE ALSO"
  print ""
  print "**labgate**(1), **labgate-check**(1); the JSON Schema /usr/share/labgate/labgate.schema.json"
}
' "$in"
