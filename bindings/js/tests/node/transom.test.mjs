// node --test bindings/js/tests/node/ (mode: TRANSOM_MODE, default in-process). Uses dist/.
import { after, test } from "node:test";
import process from "node:process";

import * as transom from "../../dist/index.js";
import { defineCases } from "../cases.mjs";

const mode = process.env.TRANSOM_MODE ?? "in-process";
const pkg = new URL("../../dist/index.js", import.meta.url).href;

defineCases((name, fn, timeout) => test(name, { timeout }, fn), transom, {
  mode,
  runtime: [process.execPath],
  pkg,
  afterAll: (fn) => after(fn),
});
