// deno test -A tests/deno/ (mode: TRANSOM_MODE, default in-process): how data moves. Uses src/.
import * as transom from "../../mod.ts";
import { LineSplitter } from "../../src/lines.ts";
// @ts-ignore: JavaScript modules shared by the three runners
import { within } from "../cases.mjs";
// @ts-ignore: JavaScript modules shared by the three runners
import { defineIoCases } from "../io-cases.mjs";

const mode = (Deno.env.get("TRANSOM_MODE") ?? "in-process") as "in-process" | "host";
const cleanups: (() => Promise<void>)[] = [];
// Windows, timers and child processes outlive single tests on purpose (one app is shared).
const relaxed = { sanitizeOps: false, sanitizeResources: false, sanitizeExit: false };

defineIoCases(
  (name: string, fn: () => Promise<void>, timeout: number) => Deno.test({ name, fn: () => within(fn(), timeout, name), ...relaxed }),
  transom,
  { mode, LineSplitter, afterAll: (fn: () => Promise<void>) => void cleanups.push(fn) },
);

Deno.test({
  name: `[${mode}] close the io tests' app`,
  fn: async () => {
    for (const fn of cleanups) await fn();
  },
  ...relaxed,
});
