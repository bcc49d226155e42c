#!/bin/sh
# Builds libtransom (if needed) and the C API test, runs the test under Xvfb, then once more under
# Valgrind (memcheck, definite leaks are errors; tests/c/valgrind.supp holds the suppressions for
# the platform libraries). Exits non-zero if anything fails.
#
# Usage: tests/c/run.sh            (from anywhere)
# Env:   TRANSOM_TEST_PATIENCE_MS  patience of the plain run (default 30000)
#        TRANSOM_VALGRIND_PATIENCE_MS  patience of the Valgrind run (default 180000)
#        SKIP_VALGRIND=1           only the plain run
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

out=target/c
mkdir -p "$out"

echo "== cargo build"
cargo build

echo "== compile tests/c/api_test.c"
cc -std=c11 -Wall -Wextra -Werror -Iinclude tests/c/api_test.c -Ltarget/debug -ltransom -o "$out/api_test"

export LD_LIBRARY_PATH="$root/target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

echo "== run under xvfb-run"
status=0
xvfb-run -a "$out/api_test" || status=$?
if [ "$status" -ne 0 ]; then
    echo "api_test failed (exit $status)" >&2
    exit "$status"
fi

if [ "${SKIP_VALGRIND:-0}" = 1 ]; then
    exit 0
fi

# WebKitGTK's web processes and libdbus's autolaunch fork children: Valgrind follows only this
# process (no --trace-children), and --child-silent-after-fork keeps the forked children, which
# run under Valgrind until they exec, out of the report.
echo "== run under valgrind (log: $out/valgrind.log)"
status=0
TRANSOM_TEST_PATIENCE_MS="${TRANSOM_VALGRIND_PATIENCE_MS:-180000}" xvfb-run -a \
    valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --suppressions=tests/c/valgrind.supp --child-silent-after-fork=yes --num-callers=40 \
    --log-file="$out/valgrind.log" \
    "$out/api_test" || status=$?
grep -E "ERROR SUMMARY|definitely lost:|indirectly lost:|possibly lost:|suppressed:" "$out/valgrind.log" || true
if [ "$status" -ne 0 ]; then
    echo "api_test under valgrind failed (exit $status; 99 means valgrind found errors, see $out/valgrind.log)" >&2
    exit "$status"
fi
echo "== all good"
