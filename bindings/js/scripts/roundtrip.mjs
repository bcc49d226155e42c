// Round trips page -> program -> page from each runtime and mode, next to transom's C API (the
// `c` worker of transom-bench, same page logic and payload), on one display:
//   xvfb-run -a node bindings/js/scripts/roundtrip.mjs [N]          (default 2000 trips)
// Uses the release builds when present (cargo build --release; cargo build --release -p
// transom-node; transom-bench from scripts/bench.sh), unless TRANSOM_* say otherwise.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";

const n = Number(process.argv[2] ?? 2000);
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
const p99 = (xs) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(0.99 * xs.length))];
const lines = [];

// The C API, through transom-bench's worker.
const bench = release("transom-bench");
let c = null;
if (existsSync(bench)) {
  let sent = 0;
  const out = await run(bench, ["--worker", "c"], {}, (text, child) => {
    const replies = text.split("\n").filter((l) => l.startsWith("@@ ")).length;
    if (replies === 1 && sent === 0) (child.stdin.write('{"w":"rt","n":300}\n'), (sent = 1));
    if (replies === 2 && sent === 1) (child.stdin.write(`{"w":"rt","n":${n}}\n`), (sent = 2));
    if (replies === 3 && sent === 2) (child.stdin.end(), (sent = 3));
  });
  const last = out.split("\n").filter((l) => l.startsWith("@@ ")).at(-1);
  const samples = JSON.parse(last.slice(3)).samples.map((ns) => ns / 1e6);
  c = { median: median([...samples]), p99: p99([...samples]) };
  lines.push(`C API (transom-bench --worker c): median ${c.median.toFixed(3)} ms, p99 ${c.p99.toFixed(3)} ms`);
  console.log(lines.at(-1));
} else {
  console.log(`no ${bench}: build it (cargo build --release --bin transom-bench) for the C API baseline`);
}

for (const [name, command, pkg] of runtimes) {
  for (const mode of ["in-process", "host"]) {
    const out = await run(command[0], [...command.slice(1), worker], { PKG: pkg, TRANSOM_MODE: mode });
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (!line) {
      console.log(`${name} ${mode}: failed`);
      continue;
    }
    const r = JSON.parse(line);
    const ratio = c ? ` (${(r.median / c.median).toFixed(2)}× the C API)` : "";
    lines.push(`${name} ${mode}: median ${r.median.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms${ratio}`);
    console.log(lines.at(-1));
  }
}
