// Round trips page -> program -> page from each runtime and mode, next to transom's C API (the
// `c` worker of transom-bench, same page logic and payload), on one display:
//   xvfb-run -a node bindings/js/scripts/roundtrip.mjs [N] [ROUNDS]   (default 1000 trips, 5 rounds)
// The backends take turns within each round (as transom-bench interleaves them), so that load
// from elsewhere on the machine spreads over all of them; the result is the median of the
// rounds' medians.
// Uses the release builds when present (cargo build --release; cargo build --release -p
// transom-node; transom-bench from scripts/bench.sh), unless TRANSOM_* say otherwise.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";

const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 5);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const target = process.env.CARGO_TARGET_DIR ?? here("../../../target/");
const release = (name) => (existsSync(`${target}/release/${name}`) ? `${target}/release/${name}` : `${target}/debug/${name}`);
const env = {
  ...process.env,
  TRANSOM_LIBRARY: process.env.TRANSOM_LIBRARY ?? release("libtransom.so"),
  TRANSOM_HOST: process.env.TRANSOM_HOST ?? release("transom-host"),
  TRANSOM_NODE_ADDON: process.env.TRANSOM_NODE_ADDON ?? release("libtransom_node.so"),
  RT_N: String(n),
};
const tools = here("../../../target/js-tools/node_modules/.bin/");
const worker = here("../tests/fixtures/roundtrip-worker.mjs");
const runtimes = [
  ["node", [process.execPath], new URL("../dist/index.js", import.meta.url).href],
  ["bun", [process.env.BUN ?? tools + "bun"], new URL("../src/index.ts", import.meta.url).href],
  ["deno", [process.env.DENO ?? tools + "deno", "run", "-A"], new URL("../mod.ts", import.meta.url).href],
];

function run(command, args, extraEnv, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...env, ...extraEnv }, stdio: ["pipe", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      input?.(out, child);
    });
    const timer = setTimeout(() => (child.kill("SIGKILL"), reject(new Error(`${command} timed out`))), 180000);
    child.on("exit", () => (clearTimeout(timer), resolve(out)));
  });
}

const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function cApi() {
  let sent = 0;
  const out = await run(bench, ["--worker", "c"], {}, (text, child) => {
    const replies = text.split("\n").filter((l) => l.startsWith("@@ ")).length;
    if (replies === 1 && sent === 0) (child.stdin.write('{"w":"rt","n":300}\n'), (sent = 1));
    if (replies === 2 && sent === 1) (child.stdin.write(`{"w":"rt","n":${n}}\n`), (sent = 2));
    if (replies === 3 && sent === 2) (child.stdin.end(), (sent = 3));
  });
  const last = out.split("\n").filter((l) => l.startsWith("@@ ")).at(-1);
  return median(JSON.parse(last.slice(3)).samples.map((ns) => ns / 1e6));
}

async function binding(command, pkg, mode) {
  const out = await run(command[0], [...command.slice(1), worker], { PKG: pkg, TRANSOM_MODE: mode });
  const line = out.split("\n").find((l) => l.startsWith("{"));
  return line ? JSON.parse(line).median : NaN;
}

const bench = release("transom-bench");
const haveC = existsSync(bench);
if (!haveC) console.log(`no ${bench}: build it (cargo build --release --bin transom-bench) for the C API baseline`);
const results = new Map();
const add = (key, value) => results.set(key, [...(results.get(key) ?? []), value]);
for (let round = 1; round <= rounds; round++) {
  if (haveC) add("C API", await cApi());
  for (const [name, command, pkg] of runtimes) {
    for (const mode of ["in-process", "host"]) add(`${name} ${mode}`, await binding(command, pkg, mode));
  }
  console.log(`round ${round}: ` + [...results].map(([k, v]) => `${k} ${v.at(-1).toFixed(3)}`).join(", "));
}
const c = haveC ? median([...results.get("C API")]) : null;
console.log(`\nround trips page -> program -> page, median of ${rounds} rounds of ${n} (ms):`);
for (const [key, values] of results) {
  const m = median([...values.filter((v) => !Number.isNaN(v))]);
  const ratio = c && key !== "C API" ? ` (${(m / c).toFixed(2)}× the C API)` : "";
  console.log(`  ${key}: ${m.toFixed(3)}${ratio}`);
}
