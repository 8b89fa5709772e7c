#!/usr/bin/env bash
# One style for every C file (.clang-format at the top; issue 14 section 6).
#   tools/format.sh          rewrite the C files git tracks in place
#   tools/format.sh --check  list the files that differ from the style; exit 1 if any
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = "--check" ]; then
  if ! out=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
    grep -oE '^[^:]+\.[ch]:' <<<"$out" | sort -u | sed 's/:$/: not in the style of .clang-format (tools\/format.sh rewrites it)/'
    exit 1
  fi
  echo "format: ${#files[@]} C files in the style of .clang-format"
else
  clang-format -i "${files[@]}"
fi
