# Shared helpers for the CLI tests (sourced; not a test itself).
# ctest sets VKGEN, VKG_SOURCE_DIR, VKG_BUILD_DIR and VKG_PLUGIN_DIR.
set -euo pipefail
: "${VKGEN:?VKGEN must point at the vkgen runner}"
: "${VKG_SOURCE_DIR:?}" "${VKG_BUILD_DIR:?}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vkgen-cli.XXXXXX")
LOG="$TMP/cmd.log"
trap 'rm -rf "$TMP"' EXIT
FASHION=/usr/share/datasets/fashion-mnist
export VKGEN_CACHE_DIR="${VKGEN_CACHE_DIR:-$TMP/cache}"

check() { echo "check: $*"; }
die() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect CODE SUBSTRING CMD...: runs CMD, asserts its exit code and that stderr+stdout
# contains SUBSTRING (empty: no check). Output is left in $LOG.
expect() {
  local code=$1 sub=$2 rc=0
  shift 2
  "$@" >"$LOG" 2>&1 || rc=$?
  if [ "$rc" -ne "$code" ]; then
    cat "$LOG" >&2
    die "'$*' exited $rc, expected $code"
  fi
  if [ -n "$sub" ] && ! grep -qF -- "$sub" "$LOG"; then
    cat "$LOG" >&2
    die "'$*': output lacks '$sub'"
  fi
}

# graph NAME <<EOF ... : writes a graph file into $TMP and prints its path.
graph() {
  cat >"$TMP/$1"
  echo "$TMP/$1"
}

# png_size FILE: prints "WIDTH HEIGHT" after checking the PNG signature.
png_size() {
  local sig
  sig=$(od -An -tx1 -N8 "$1" | tr -d ' \n')
  [ "$sig" = "89504e470d0a1a0a" ] || die "$1 is not a PNG (signature $sig)"
  od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'
}

# no_temp_files DIR: nothing but final files (no half-written temp files) in DIR.
no_temp_files() {
  local left
  left=$(find "$1" -name '*.tmp*' -o -name '.*tmp*' 2>/dev/null | head -5)
  [ -z "$left" ] || die "temp files left behind: $left"
}

# json_ok FILE: FILE parses as JSON (python3, else jq, else a brace check).
json_ok() {
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; then
    return 0
  elif command -v python3 >/dev/null 2>&1 && python3 -c 'import json' 2>/dev/null; then
    die "$1 is not valid JSON"
  elif command -v jq >/dev/null 2>&1; then
    jq . "$1" >/dev/null || die "$1 is not valid JSON"
  else
    head -c1 "$1" | grep -q '[{[]' || die "$1 does not look like JSON"
  fi
}
