// bun test ./tests/bun/ (mode: TRANSOM_MODE, default in-process): how data moves. Uses src/.
import { afterAll, test } from "bun:test";
import process from "node:process";

import * as transom from "../../src/index.ts";
import { LineSplitter } from "../../src/lines.ts";
// @ts-ignore: a JavaScript module shared by the three runners
import { defineIoCases } from "../io-cases.mjs";

const mode = process.env.TRANSOM_MODE ?? "in-process";

defineIoCases((name: string, fn: () => Promise<void>, timeout: number) => test(name, fn, timeout), transom, {
  mode,
  LineSplitter,
  afterAll: (fn: () => Promise<void>) => afterAll(fn),
});
