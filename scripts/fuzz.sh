#!/usr/bin/env bash
# Runs transom's fuzz targets (fuzz/, cargo fuzz with libFuzzer and AddressSanitizer) for a while
# each and prints how many inputs each one ran. Exits non-zero on the first finding; the input that
# found it is kept in fuzz/artifacts/TARGET/ (replay: fuzz/target/x86_64-unknown-linux-gnu/release/TARGET FILE,
# under xvfb-run -a for the targets that need a display).
#
# Targets (docs/reliability.md says what each checks):
#   page_post      the decoder of what pages post through ipc
#   options        the app, window and webview option parsers
#   host_protocol  the host-protocol decoder and executor, against a real app (needs a display)
#   api_sequence   random sequences of Rust API calls on random ids (needs a display)
#
# Usage: scripts/fuzz.sh [TARGET...]            (default: all four)
# Env:   FUZZ_SECONDS=30     how long each target runs (a long run: FUZZ_SECONDS=3600 or more;
#                            the corpus in fuzz/corpus/ grows from run to run)
#        FUZZ_JOBS=1         libFuzzer workers per target (-fork), for long runs on more cores
#        FUZZ_SUMMARY=file   where to append the "TARGET: N executions" lines
#                            (default target/fuzz-summary.txt)
#        FUZZ_BUILD=release  or dev: builds without optimizations, in about 60 % of the time
#                            (measured: 5.8 instead of 9.8 minutes from scratch), but runs 20 to
#                            40 times fewer inputs per second
#
# The toolchain is stable Rust: cargo fuzz needs nightly flags (-Zsanitizer), which
# RUSTC_BOOTSTRAP=1 allows on a stable compiler. cargo-fuzz is installed into target/fuzz-tools
# on first use. Builds go to fuzz/target, never to the main crate's target/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-1}
summary=${FUZZ_SUMMARY:-$root/target/fuzz-summary.txt}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(page_post options host_protocol api_sequence)
fi

tools=$root/target/fuzz-tools
export PATH="$tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  echo "== installing cargo-fuzz into $tools"
  cargo install --locked --root "$tools" --version 0.13.2 cargo-fuzz
fi

build=${FUZZ_BUILD:-release}
echo "== building the fuzz targets (fuzz/target, $build)"
export RUSTC_BOOTSTRAP=1
case $build in
  release) (cd fuzz && cargo fuzz build --debug-assertions); bin=$root/fuzz/target/x86_64-unknown-linux-gnu/release ;;
  dev) (cd fuzz && cargo fuzz build --dev); bin=$root/fuzz/target/x86_64-unknown-linux-gnu/debug ;;
  *) echo "fuzz: FUZZ_BUILD must be release or dev" >&2; exit 2 ;;
esac
if [ "$seconds" -lt 1 ]; then
  echo "fuzz: FUZZ_SECONDS must be at least 1 (libFuzzer takes 0 as no limit)" >&2
  exit 2
fi

mkdir -p "$(dirname "$summary")"
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  artifacts=fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  # The checked-in seeds start the corpus; libFuzzer writes only to the corpus folder.
  if [ -d "fuzz/seeds/$target" ]; then cp -n fuzz/seeds/"$target"/* "$corpus"/; fi
  runner=()
  flags=(-max_total_time="$seconds" -timeout=60 -print_final_stats=1 -artifact_prefix="$artifacts/")
  asan=${ASAN_OPTIONS:-}
  case $target in
    host_protocol | api_sequence)
      # A real app: GTK and WebKit keep memory for the life of the process (type system, fonts,
      # the GUI thread), which LeakSanitizer reports at exit. Leaks of transom's own are found
      # by the C API test under valgrind and ASan (tests/c/run.sh), not here.
      asan="detect_leaks=0${asan:+:$asan}"
      flags+=(-rss_limit_mb=4096 -len_control=0)
      if [ -z "${DISPLAY:-}" ]; then runner=(xvfb-run -a); fi
      ;;
  esac
  if [ "$jobs" -gt 1 ]; then flags+=(-fork="$jobs" -ignore_crashes=0); fi
  log=$root/target/fuzz-$target.log
  echo "== fuzz $target for ${seconds}s (log: $log)"
  status=0
  ASAN_OPTIONS="$asan" "${runner[@]}" "$bin/$target" "${flags[@]}" "$corpus" >"$log" 2>&1 || status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  if [ "$status" -ne 0 ]; then
    grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -20 >&2 || true
    echo "fuzz: $target found a problem after ${runs:-?} executions (exit $status; see $log and $artifacts)" >&2
    exit 1
  fi
  line="$(date -u +%FT%TZ) $target: ${runs:-?} executions in ${seconds}s, no finding (corpus: $(ls "$corpus" | wc -l) inputs)"
  echo "fuzz: $line"
  echo "$line" >>"$summary"
done
