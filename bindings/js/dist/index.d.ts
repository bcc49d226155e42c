/**
 * transom for Bun, Deno and Node: native windows with system webviews, and a typed message layer
 * between the program and its pages. One API; the backend is chosen by runtime and mode:
 *
 * - in-process: Bun (`bun:ffi`) and Deno (`Deno.dlopen`) load libtransom, Node loads the napi-rs
 *   addon (bindings/node). The GUI runs on the library's own thread; the runtime's event loop
 *   stays free and an idle app costs nothing.
 * - host: `transom-host` is spawned and spoken to over pipes (docs/protocol.md), supervised and
 *   restarted if it crashes.
 *
 * ```ts
 * import { start } from "transom";
 * const app = await start();
 * const win = await app.createWindow({ title: "hello", width: 640, height: 480 });
 * const view = await win.createWebview({ html: `<script>host.invoke("add", 2, 3).then(v => host.send("sum", v))</script>` });
 * view.handle("add", (a, b) => a + b);
 * view.on("sum", (v) => console.log("sum", v));
 * ```
 */
import { App } from "./app.ts";
import type { AnyIpc, StartOptions } from "./types.ts";
export { App, Channel, InvokeOptions, invokeOptions, Webview, Window } from "./app.ts";
export { TransomError } from "./errors.ts";
export type { TransomErrorCode } from "./errors.ts";
export { findAddon, findHost, findLibrary, runtimeName } from "./runtime.ts";
export type { RuntimeName } from "./runtime.ts";
export type * from "./types.ts";
/**
 * Starts transom and gives the app. `mode` (default: the `TRANSOM_MODE` environment variable,
 * else `"auto"`): `"in-process"`, `"host"`, or `"auto"` (in-process when the library or addon
 * loads, else host). `S` types the app's shared state and app-wide handlers.
 *
 * Rejects with TRANSOM_ERROR_NOT_AVAILABLE when the chosen backend cannot run here, and with
 * TRANSOM_ERROR_PLATFORM when there is no display.
 */
export declare function start<S = AnyIpc>(options?: StartOptions): Promise<App<S>>;
