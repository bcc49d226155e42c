// Measures the CPU an idle app costs: for each runtime (Bun, Deno, Node) and mode (in-process,
// host), runs tests/fixtures/idle.mjs (one window, a small page, then nothing), waits until it
// is up and has settled, and sums the CPU time of its whole process tree (the runtime, WebKit's
// web and network processes, transom-host) over a period. Run under a display:
//   xvfb-run -a node bindings/js/scripts/idle-cpu.mjs [seconds]      (default 20)
// BUN and DENO: the runtimes' paths (default: target/js-tools/node_modules/.bin/{bun,deno}).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import process from "node:process";

const seconds = Number(process.argv[2] ?? 20);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const tools = here("../../../target/js-tools/node_modules/.bin/");
const script = here("../tests/fixtures/idle.mjs");
const runtimes = [
  ["node", [process.execPath], new URL("../dist/index.js", import.meta.url).href],
  ["bun", [process.env.BUN ?? tools + "bun"], new URL("../src/index.ts", import.meta.url).href],
  ["deno", [process.env.DENO ?? tools + "deno", "run", "-A"], new URL("../mod.ts", import.meta.url).href],
];
const TICKS = 100; // USER_HZ on Linux

function tree(root) {
  const parent = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      parent.set(Number(name), Number(fields[1]));
    } catch {}
  }
  const all = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) if (all.has(ppid) && !all.has(pid)) (all.add(pid), (grew = true));
  }
  return [...all];
}

function cpuTicks(pids) {
  const per = new Map();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      per.set(pid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {}
  }
  return per;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = [];
for (const [name, command, pkg] of runtimes) {
  for (const mode of ["in-process", "host"]) {
    const child = spawn(command[0], [...command.slice(1), script], {
      env: { ...process.env, PKG: pkg, TRANSOM_MODE: mode },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", () => {});
    for (let waited = 0; !out.includes("idle ") && waited < 30000; waited += 100) await sleep(100);
    if (!out.includes("idle ")) {
      results.push({ runtime: name, mode, error: "did not start" });
      child.kill("SIGKILL");
      continue;
    }
    await sleep(3000); // let page load and first paints settle
    const pids = tree(child.pid);
    const before = cpuTicks(pids);
    const t0 = process.hrtime.bigint();
    await sleep(seconds * 1000);
    const after = cpuTicks(tree(child.pid));
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    let total = 0;
    const parts = [];
    for (const [pid, { name: proc, ticks }] of after) {
      const used = ticks - (before.get(pid)?.ticks ?? 0);
      total += used;
      parts.push(`${proc}:${((used / TICKS / elapsed) * 100).toFixed(2)}%`);
    }
    const percent = (total / TICKS / elapsed) * 100;
    results.push({ runtime: name, mode, percent, processes: after.size, parts: parts.join(" ") });
    console.log(`${name} ${mode}: ${percent.toFixed(2)} % of one core over ${elapsed.toFixed(1)} s (${after.size} processes: ${parts.join(" ")})`);
    child.kill("SIGTERM");
    await sleep(500);
    for (const pid of after.keys()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
}
const worst = Math.max(...results.map((r) => r.percent ?? 100));
console.log(`idle CPU: worst ${worst.toFixed(2)} % of one core (limit 1 %)`);
process.exit(worst < 1 ? 0 : 1);
