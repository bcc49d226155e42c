#!/bin/sh
# Builds libtransom (if needed) and the C API test, runs the test under Xvfb, then built with
# AddressSanitizer (gcc -fsanitize=address; leaks are errors, tests/c/asan.supp holds the
# suppressions for the platform libraries), then once more under Valgrind (memcheck, definite leaks
# are errors; tests/c/valgrind.supp). Exits non-zero if anything fails.
#
# Only the test program is instrumented by ASan: libtransom is Rust built without
# -Zsanitizer, so its own loads and stores are not checked (Valgrind checks those). ASan still
# sees every malloc and free of the process, libtransom's included: double and invalid frees and
# leaks of memory handed across the C API are caught.
#
# Usage: tests/c/run.sh            (from anywhere)
# Env:   TRANSOM_TEST_PATIENCE_MS  patience of the plain run (default 30000)
#        TRANSOM_VALGRIND_PATIENCE_MS  patience of the Valgrind run (default 180000)
#        SKIP_ASAN=1               no AddressSanitizer run
#        SKIP_VALGRIND=1           no Valgrind run
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

if [ "${SKIP_ASAN:-0}" != 1 ]; then
    echo "== compile and run with AddressSanitizer (log: $out/asan.log.PID when it finds something)"
    rm -f "$out"/asan.log.*
    cc -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address -fno-omit-frame-pointer -Iinclude tests/c/api_test.c \
        -Ltarget/debug -ltransom -o "$out/api_test_asan"
    # fast_unwind_on_malloc=0: full stacks through the platform libraries (built without frame
    # pointers), so that the suppressions' anchors are found.
    status=0
    ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=40:halt_on_error=1:log_path=$out/asan.log${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    LSAN_OPTIONS="suppressions=$root/tests/c/asan.supp:print_suppressions=0" \
        xvfb-run -a "$out/api_test_asan" >"$out/asan.out" || status=$?
    tail -n 1 "$out/asan.out"
    if [ "$status" -ne 0 ]; then
        cat "$out"/asan.log.* 2>/dev/null | head -60 >&2 || true
        echo "api_test with AddressSanitizer failed (exit $status; see $out/asan.out and $out/asan.log.*)" >&2
        exit "$status"
    fi
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
