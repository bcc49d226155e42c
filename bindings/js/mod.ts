// Deno entry point: `import { start } from "./bindings/js/mod.ts"` (run with --allow-ffi,
// --allow-read, --allow-env, and --allow-run for the host backend).
export * from "./src/index.ts";
