// Copies the native parts into the package's native/ folder, where the package looks first:
// libtransom (Bun, Deno), transom-host (host mode) and the Node addon (as transom.node).
// Use it before `bun add ./bindings/js` (Bun copies the package, so the copy must carry them) or
// to pack the package for another machine: `node scripts/bundle-native.mjs [--release|--debug]`
// (default: the newer build of each file).
import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const here = fileURLToPath(new URL("..", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const profiles = process.argv.includes("--release") ? ["release"] : process.argv.includes("--debug") ? ["debug"] : ["release", "debug"];
const [lib, host, addon] =
  process.platform === "darwin"
    ? ["libtransom.dylib", "transom-host", "libtransom_node.dylib"]
    : process.platform === "win32"
      ? ["transom.dll", "transom-host.exe", "transom_node.dll"]
      : ["libtransom.so", "transom-host", "libtransom_node.so"];

function newest(name) {
  const found = profiles.map((p) => join(target, p, name)).filter((f) => existsSync(f));
  found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0];
}

mkdirSync(join(here, "native"), { recursive: true });
let missing = 0;
for (const [name, as] of [[lib, lib], [host, host], [addon, "transom.node"]]) {
  const from = newest(name);
  if (!from) {
    console.error(`bundle: ${name} is not built (cargo build${name === addon ? " -p transom-node" : ""})`);
    missing++;
    continue;
  }
  copyFileSync(from, join(here, "native", as));
  console.log(`bundle: ${from} -> native/${as}`);
}
process.exit(missing ? 1 : 0);
