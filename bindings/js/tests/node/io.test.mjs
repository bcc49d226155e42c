// node --test bindings/js/tests/node/ (mode: TRANSOM_MODE, default in-process): how data moves.
// Uses dist/.
import { after, test } from "node:test";
import process from "node:process";

import * as transom from "../../dist/index.js";
import { LineSplitter } from "../../dist/lines.js";
import { defineIoCases } from "../io-cases.mjs";

const mode = process.env.TRANSOM_MODE ?? "in-process";

defineIoCases((name, fn, timeout) => test(name, { timeout }, fn), transom, {
  mode,
  LineSplitter,
  afterAll: (fn) => after(fn),
});
