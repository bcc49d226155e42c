// bun test ./tests/bun/ (mode: TRANSOM_MODE, default in-process). Uses src/ directly.
import { afterAll, test } from "bun:test";
import process from "node:process";

import * as transom from "../../src/index.ts";
// @ts-ignore: a JavaScript module shared by the three runners
import { defineCases } from "../cases.mjs";

const mode = process.env.TRANSOM_MODE ?? "in-process";
const pkg = new URL("../../src/index.ts", import.meta.url).href;

defineCases((name: string, fn: () => Promise<void>, timeout: number) => test(name, fn, timeout), transom, {
  mode,
  runtime: [process.execPath],
  pkg,
  afterAll: (fn: () => Promise<void>) => afterAll(fn),
});
