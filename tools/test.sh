#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test.
#   1. release build, all tests
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, all tests
#   3. clang libFuzzer build, every fuzz target for a bounded time
#   0. before them: every C file in the style of .clang-format (tools/format.sh --check)
# Usage: tools/test.sh [format|release|sanitize|fuzz ...]   (default: all four)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/tools/deps.sh" --with-node

jobs=$(nproc)
steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(format release sanitize fuzz)
failed=()

run_step() {
  local name=$1 dir=$2; shift 2
  echo "=== $name: configure and build ($dir)"
  if ! cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    failed+=("$name configure"); return
  fi
  if ! cmake --build "$dir" -j "$jobs" >"$dir/build.log" 2>&1; then
    grep -vE '^\[ *[0-9]+%\]' "$dir/build.log" | tail -60
    failed+=("$name build"); return
  fi
  echo "=== $name: tests"
  if ! ctest --test-dir "$dir" --output-on-failure -j "$jobs" ${CTEST_ARGS:-}; then
    failed+=("$name tests")
  fi
}

for s in "${steps[@]}"; do
  case "$s" in
    format)   echo "=== format"; "$root/tools/format.sh" --check || failed+=("format") ;;
    release)  run_step release  build       -DCMAKE_BUILD_TYPE=Release ;;
    sanitize) ASAN_OPTIONS=detect_leaks=1 run_step sanitize build-asan -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON ;;
    fuzz)     CC=clang run_step fuzz build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSLUICE_FUZZ=ON ;;
    *) echo "unknown step $s (format, release, sanitize, fuzz)" >&2; exit 2 ;;
  esac
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all test steps passed: ${steps[*]}"
