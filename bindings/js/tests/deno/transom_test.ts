// deno test -A tests/deno/ (mode: TRANSOM_MODE, default in-process). Uses mod.ts (src/).
import * as transom from "../../mod.ts";
// @ts-ignore: a JavaScript module shared by the three runners
import { defineCases, within } from "../cases.mjs";

const mode = (Deno.env.get("TRANSOM_MODE") ?? "in-process") as "in-process" | "host";
const pkg = new URL("../../mod.ts", import.meta.url).href;
const cleanups: (() => Promise<void>)[] = [];
// Windows, timers and child processes outlive single tests on purpose (one app is shared).
const relaxed = { sanitizeOps: false, sanitizeResources: false, sanitizeExit: false };

defineCases(
  (name: string, fn: () => Promise<void>, timeout: number) =>
    Deno.test({ name, fn: () => within(fn(), timeout, name), ...relaxed }),
  transom,
  { mode, runtime: [Deno.execPath(), "run", "-A"], pkg, afterAll: (fn: () => Promise<void>) => void cleanups.push(fn) },
);

Deno.test({
  name: `[${mode}] close the shared app`,
  fn: async () => {
    for (const fn of cleanups) await fn();
  },
  ...relaxed,
});
