#!/usr/bin/env bash
# Tests of the JavaScript package `transom` (bindings/js) in Bun, Deno and Node, from a fresh
# machine:
#   1. the Debian packages (scripts/setup-debian.sh: GTK, WebKitGTK, Xvfb, ...);
#   2. Bun, Deno, TypeScript and @types/node, installed with npm into target/js-tools;
#   3. `cargo build` (libtransom and transom-host) and `cargo build -p transom-node` (the Node
#      addon), debug, in the repository's target dir; the addon's unit tests;
#   4. checks: dist/ (the compiled core Node runs) and page.d.ts match their sources; the type
#      tests (tests/types/check.ts) compile;
#   5. quickstarts: `npm install ./bindings/js` and `bun add ./bindings/js` in fresh projects
#      under target/js-tests, a Deno import by path: each runs a short hello;
#   6. bun test, deno test and node --test, each in-process and through transom-host, with real
#      windows under xvfb-run (unless a display is set); Deno in-process both with the Node addon
#      and through Deno.dlopen;
#   7. idle CPU of each runtime's process tree with one window open (must stay under 1 % of a core).
# Prints each runner's summary line and exits non-zero if anything failed. Arguments: none.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

extra=()
command -v node >/dev/null || extra=(nodejs npm)
"$root/scripts/setup-debian.sh" "${extra[@]}" || exit 1
command -v cargo >/dev/null || { echo "js tests: cargo is missing: install Rust (https://rustup.rs)" >&2; exit 1; }
command -v node >/dev/null || { echo "js tests: node is missing (Node 20 or later)" >&2; exit 1; }
command -v npm >/dev/null || { echo "js tests: npm is missing" >&2; exit 1; }

tools="$root/target/js-tools"
# Each run works in a folder of its own (runs may overlap: scripts/test.sh and a developer's).
mkdir -p "$tools" "$root/target/js-tests"
work=$(mktemp -d "$root/target/js-tests/run.XXXXXX")
summary="$work/summary.txt"
: > "$summary"
echo "js tests: logs in $work"
failed=0
note() { echo "$*" | tee -a "$summary"; }
fail() { note "FAIL: $*"; failed=1; }

echo "== npm install bun deno typescript @types/node (into $tools)"
if [ ! -f "$tools/package.json" ]; then echo '{"private": true}' > "$tools/package.json"; fi
(cd "$tools" && flock "$tools/.install.lock" npm install --no-audit --no-fund --loglevel=error bun@1 deno@2 typescript@5 @types/node@20) \
  || { echo "js tests: npm install failed" >&2; exit 1; }
bun="$tools/node_modules/.bin/bun"
deno="$tools/node_modules/.bin/deno"
tsc="$tools/node_modules/.bin/tsc"
echo "node $(node --version), bun $("$bun" --version), $("$deno" --version | head -1), tsc $("$tsc" --version)"

echo "== cargo build (libtransom, transom-host) and cargo build -p transom-node (the Node addon)"
cargo build || { echo "js tests: cargo build failed" >&2; exit 1; }
cargo build -p transom-node || { echo "js tests: building the Node addon failed" >&2; exit 1; }
echo "== cargo test -p transom-node (the addon's own unit tests)"
cargo test -p transom-node && note "addon unit tests: passed" || fail "cargo test -p transom-node"
target="${CARGO_TARGET_DIR:-$root/target}"
export TRANSOM_LIBRARY="$target/debug/libtransom.so"
export TRANSOM_HOST="$target/debug/transom-host"
export TRANSOM_NODE_ADDON="$target/debug/libtransom_node.so"
for f in "$TRANSOM_LIBRARY" "$TRANSOM_HOST" "$TRANSOM_NODE_ADDON"; do
  [ -f "$f" ] || { echo "js tests: $f was not built" >&2; exit 1; }
done

run_gui() {
  if [ -n "${DISPLAY:-}" ]; then "$@"; else xvfb-run -a -s "-screen 0 1280x1024x24" "$@"; fi
}

echo "== dist/ and page.d.ts are up to date; type tests"
types="--typeRoots $tools/node_modules/@types --types node"
rm -rf "$work/dist" && "$tsc" -p "$here/tsconfig.json" $types --outDir "$work/dist" \
  && diff -r "$here/dist" "$work/dist" >/dev/null \
  && note "dist: up to date" \
  || fail "dist/ differs from src/ (run: cd bindings/js && npm run build)"
node "$here/scripts/page-types.mjs" --check && note "page.d.ts: up to date" || fail "page.d.ts is out of date"
"$tsc" -p "$here/tests/types" $types && note "types: tests/types/check.ts compiles (typed IPC checks hold)" || fail "type tests"

echo "== quickstarts: npm install / bun add ./bindings/js, Deno import by path"
quick="$work/quickstart"
rm -rf "$quick" && mkdir -p "$quick/node" "$quick/bun" "$quick/deno"
hello='import { start } from "transom";
const app = await start();
const win = await app.createWindow({ title: "quickstart" });
const view = await win.createWebview({ html: `<script>host.invoke("add", 2, 3).then((v) => host.send("sum", v))</script>` });
view.handle("add", (a, b) => a + b);
console.log("quickstart", app.runtime, app.mode, "sum", await view.next("sum", { timeout: 20000 }));
await app.close();'
echo '{"name": "quickstart", "private": true, "type": "module"}' > "$quick/node/package.json"
echo '{"name": "quickstart", "private": true, "type": "module"}' > "$quick/bun/package.json"
echo "$hello" > "$quick/node/hello.mjs"
echo "$hello" > "$quick/bun/hello.ts"
echo "${hello/from \"transom\"/from \"$here/mod.ts\"}" > "$quick/deno/hello.ts"
(cd "$quick/node" && npm install --no-audit --no-fund --loglevel=error "$here") || fail "npm install ./bindings/js"
(cd "$quick/bun" && "$bun" add "$here" >/dev/null) || fail "bun add ./bindings/js"
for mode in in-process host; do
  out=$(cd "$quick/node" && TRANSOM_MODE=$mode run_gui timeout 60 node hello.mjs 2>&1 | grep quickstart) && note "$out" || fail "node quickstart ($mode)"
  out=$(cd "$quick/bun" && TRANSOM_MODE=$mode run_gui timeout 60 "$bun" hello.ts 2>&1 | grep quickstart) && note "$out" || fail "bun quickstart ($mode)"
  out=$(cd "$quick/deno" && TRANSOM_MODE=$mode run_gui timeout 60 "$deno" run --allow-ffi --allow-read --allow-env --allow-run hello.ts 2>&1 | grep quickstart) && note "$out" || fail "deno quickstart ($mode)"
done

echo "== tests: bun test, deno test, node --test; in-process and host"
cd "$here"
for mode in in-process host; do
  log="$work/bun-$mode.log"
  TRANSOM_MODE=$mode run_gui timeout 900 "$bun" test --timeout 60000 ./tests/bun/ > "$log" 2>&1; status=$?
  grep -E "^\s*(\(pass\)|\(fail\))" "$log" | sed 's/^/  /'
  line=$(grep -E "^ *[0-9]+ pass" "$log" | tail -1 | xargs)" / "$(grep -E "^ *[0-9]+ fail" "$log" | tail -1 | xargs)
  [ $status -eq 0 ] && note "bun test ($mode): $line" || { fail "bun test ($mode): $line (log: $log)"; tail -40 "$log"; }

  # In-process, Deno runs the suite twice: with the Node addon (its default when built) and with
  # libtransom through Deno.dlopen (TRANSOM_NATIVE=ffi).
  for native in $([ "$mode" = in-process ] && echo "addon ffi" || echo "-"); do
    what=$mode; [ "$native" = - ] || what="$mode, $native"
    log="$work/deno-$mode-$native.log"
    TRANSOM_NATIVE=${native#-} TRANSOM_MODE=$mode NO_COLOR=1 run_gui timeout 900 "$deno" test --allow-ffi --allow-read --allow-env --allow-run tests/deno/ > "$log" 2>&1; status=$?
    grep -E " \.\.\. (ok|FAILED)" "$log" | sed 's/^/  /'
    line=$(grep -E "^(ok|FAILED) \|" "$log" | tail -1)
    [ $status -eq 0 ] && note "deno test ($what): $line" || { fail "deno test ($what): ${line:-no summary} (log: $log)"; tail -40 "$log"; }
  done

  log="$work/node-$mode.log"
  TRANSOM_MODE=$mode run_gui timeout 900 node --test --test-reporter=spec tests/node/ > "$log" 2>&1; status=$?
  grep -E "^\s*(✔|✖)" "$log" | grep "\[$mode\]" | sed 's/^/  /'
  line=$(grep -E "^ℹ (tests|pass|fail) " "$log" | tr '\n' ' ' | sed 's/ℹ //g')
  [ $status -eq 0 ] && note "node --test ($mode): $line" || { fail "node --test ($mode): ${line:-no summary} (log: $log)"; tail -60 "$log"; }
done

echo "== idle CPU: one window open and idle, whole process tree, 10 s per runtime and mode"
cd "$here"
if run_gui node scripts/idle-cpu.mjs 10 > "$work/idle-cpu.log" 2>&1; then
  grep -E "% of one core" "$work/idle-cpu.log" | tee -a "$summary"
else
  grep -E "% of one core|did not start" "$work/idle-cpu.log" | tee -a "$summary"
  fail "idle CPU at or above 1 % of a core (log: $work/idle-cpu.log)"
fi

rm -rf "$quick" "$work/dist"   # node_modules copies; the logs stay

echo
echo "== summary"
cat "$summary"
if [ $failed -ne 0 ]; then
  echo "js tests: FAILED"
  exit 1
fi
echo "js tests: all passed"
