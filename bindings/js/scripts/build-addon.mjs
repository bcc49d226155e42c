// Builds the Node addon (bindings/node, a napi-rs crate) in the repository's target dir:
// `node scripts/build-addon.mjs [--release]`. The package finds it there (target/debug or
// target/release, the newer one); `scripts/bundle-native.mjs` copies it into native/.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const args = ["build", "-p", "transom-node", ...(process.argv.includes("--release") ? ["--release"] : [])];
console.log(`cargo ${args.join(" ")}   (in ${root})`);
const result = spawnSync("cargo", args, { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
