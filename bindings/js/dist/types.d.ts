/**
 * Types of the transom package: options, events and the typed-IPC schema.
 */
/** A JSON value: what travels between the program and its pages. */
export type Json = null | boolean | number | string | Json[] | {
    [key: string]: Json;
};
/** Bytes: they travel as bytes (no JSON, no base64 in-process). */
export type Bytes = Uint8Array | ArrayBuffer | ArrayBufferView;
/** Removes the listener or handler it was returned for. */
export type Unsubscribe = () => void;
/**
 * The protocol between a program and its pages, declared once and used on both sides:
 *
 * ```ts
 * interface MyIpc {
 *   events: { tick: number; clicked: { id: number } };          // channel -> payload, both ways
 *   handlers: { "get-user": (id: number) => User };              // the program answers, the page calls
 *   pageHandlers: { selection: () => string };                   // the page answers, the program calls
 *   channels: { logs: { line: string } };                        // channel name -> message type
 *   state: { theme: "light" | "dark" };                          // shared state key -> value
 * }
 * const win = await app.createWindow<MyIpc>({ title: "typed" });
 * const view = await win.createWebview({ url });
 * view.handle("get-user", async (id) => loadUser(id));           // id: number, must return User
 * const text = await view.invoke("selection");                   // text: string
 * // in the page: declare const host: import("transom/page").PageHost<MyIpc>;
 * ```
 *
 * Every member is optional; what is left out is untyped (`any`).
 */
export interface IpcSchema {
    events?: Record<string, unknown>;
    handlers?: Record<string, (...args: any[]) => unknown>;
    pageHandlers?: Record<string, (...args: any[]) => unknown>;
    channels?: Record<string, unknown>;
    state?: Record<string, unknown>;
}
/** The schema of an untyped window: every name allowed, every value `any`. */
export interface AnyIpc {
    events: Record<string, any>;
    handlers: Record<string, (...args: any[]) => any>;
    pageHandlers: Record<string, (...args: any[]) => any>;
    channels: Record<string, any>;
    state: Record<string, any>;
}
type Field<S, K extends keyof AnyIpc> = S extends {
    [P in K]-?: infer T;
} ? T : AnyIpc[K];
/** `events` of a schema: channel name -> payload. */
export type EventsOf<S> = Field<S, "events">;
/** `handlers` of a schema: what the program answers. */
export type HandlersOf<S> = Field<S, "handlers">;
/** `pageHandlers` of a schema: what the page answers. */
export type PageHandlersOf<S> = Field<S, "pageHandlers">;
/** `channels` of a schema: channel name -> message type. */
export type ChannelsOf<S> = Field<S, "channels">;
/** `state` of a schema: key -> value. */
export type StateOf<S> = Field<S, "state">;
type Fn = (...args: any[]) => unknown;
/** The arguments of handler `N`. */
export type ArgsOf<H, N extends keyof H> = H[N] extends Fn ? Parameters<H[N]> : any[];
/** What calling handler `N` resolves with. */
export type ResultOf<H, N extends keyof H> = H[N] extends Fn ? Awaited<ReturnType<H[N]>> : any;
/** How `start` runs transom. */
export type Mode = "auto" | "in-process" | "host";
/** Options of {@link start}. */
export interface StartOptions {
    /**
     * `"in-process"`: load libtransom (Bun, Deno) or the Node addon into this process;
     * `"host"`: spawn `transom-host` and speak its protocol over pipes;
     * `"auto"` (default): in-process when the library loads (and the platform allows it), else host.
     */
    mode?: Mode;
    /** The largest payload in bytes (app option `max_message_bytes`, default 64 MiB). */
    maxMessageBytes?: number;
    /**
     * How in-process mode loads transom: `"addon"`, the Node-API addon (Node, Deno); `"ffi"`,
     * libtransom through the runtime's FFI (`bun:ffi`, `Deno.dlopen`). Default: the
     * `TRANSOM_NATIVE` environment variable, else Node `"addon"`, Bun `"ffi"`, Deno `"addon"` when
     * the addon is found and `"ffi"` otherwise. In Deno the addon is the faster way: its
     * thread-safe function wakes Deno's loop straight from the GUI thread, where `Deno.dlopen` needs
     * a worker thread in between. Both need `--allow-ffi`.
     */
    native?: "addon" | "ffi";
    /** Path of libtransom (Bun, Deno). Default: `TRANSOM_LIBRARY`, then the search in the README. */
    library?: string;
    /** Path of the Node addon (Node, Deno). Default: `TRANSOM_NODE_ADDON`, then the search in the README. */
    addon?: string;
    /** Path of `transom-host`. Default: `TRANSOM_HOST`, then the search in the README. */
    host?: string;
    /** Host mode: how a crashed `transom-host` is restarted. */
    restart?: RestartOptions;
}
/** Host mode supervision. */
export interface RestartOptions {
    /** Waits before the 1st, 2nd, ... restart in a row, in ms. Default `[1000, 2000, 4000]`:
     *  after a third crash in a row the app gives up and closes. `[]` never restarts. */
    delays?: number[];
    /** A host that has run this long (ms) counts as healthy: the next crash starts again at the
     *  first delay. Default 30000. */
    healthyAfter?: number;
}
/** Options of a window (`app.createWindow`); sizes and positions in logical pixels. */
export interface WindowOptions {
    title?: string;
    width?: number;
    height?: number;
    x?: number;
    y?: number;
    minWidth?: number;
    minHeight?: number;
    maxWidth?: number;
    maxHeight?: number;
    resizable?: boolean;
    decorations?: boolean;
    visible?: boolean;
    alwaysOnTop?: boolean;
    maximized?: boolean;
    fullscreen?: boolean;
    /** Creation only. */
    transparent?: boolean;
    /** When true, a close request only sends `close-requested`; the program decides. */
    closeGuard?: boolean;
}
/** What `win.set` may change: the window options except `transparent`. */
export type WindowProps = Omit<WindowOptions, "transparent">;
/** Options of a webview (`win.createWebview`). `url` and `html` exclude each other. */
export interface WebviewOptions {
    /** The page to load (an absolute URL). */
    url?: string;
    /** An HTML document to show. */
    html?: string;
    /** JavaScript run in every page before its own scripts (after `window.host` exists). */
    initScript?: string;
    /** Whether the web inspector can be opened. */
    devtools?: boolean;
    userAgent?: string;
    /** `"#rrggbb"` or `"#rrggbbaa"`. */
    backgroundColor?: string;
    /** A folder served at `transom://app/` (with neither `url` nor `html`, the page opened). */
    assets?: string;
    /** The Content-Security-Policy of every asset (`""`: none; default: a strict one). */
    csp?: string;
    /** `false`: pages get no `window.host` at all (untrusted content). Default true. */
    bridge?: boolean;
    /** Main-frame navigations allowed (URL prefixes, `https://*.host`, or `"*"`); others are
     *  refused and reported as `navigation-blocked`. */
    navigation?: {
        allow: string[];
    };
    /** What `window.open` and `target=_blank` do: `"block"` (default) or `"browser"`. */
    newWindows?: "block" | "browser";
    /** More origins whose pages get `window.host` (`https://example.com`, `https://*.example.com`,
     *  `null`, `*`); the first page's origin and, with assets, `transom://app` always have it. */
    allowedOrigins?: string[];
    /** `true`: requests for `transom://app/…` the `assets` folder has no file for come as
     *  `asset-request` events (answered with the `asset.respond` command). */
    assetsHandler?: boolean;
    /** `true`: pages may download files (`download-started`, `download-finished`); default: refused
     *  (`download-blocked`). */
    downloads?: boolean;
    /** Where downloads are saved (with `downloads: true`). */
    downloadFolder?: string;
    /** The webview's rectangle in the window, logical pixels (all four); without it, it fills the window. */
    x?: number;
    y?: number;
    width?: number;
    height?: number;
    /** `true` (the default without a rectangle): fill the window. */
    fill?: boolean;
}
/** What `webview.set` changes: a rectangle (all four, logical pixels) or `fill`, and `visible`. */
export interface WebviewProps {
    x?: number;
    y?: number;
    width?: number;
    height?: number;
    fill?: boolean;
    visible?: boolean;
}
interface WindowEvent<T extends string> {
    type: T;
    window: number;
}
interface WebviewEvent<T extends string> {
    type: T;
    window: number;
    webview: number;
}
/**
 * Every event of an app: the event JSON of docs/protocol.md ("Events"), parsed, plus the two
 * events of host-mode supervision. A binary message has its bytes in `payload` (a Uint8Array)
 * and their length in `bytes`. Unknown future kinds come through as they are.
 */
export type TransomEvent = WindowEvent<"window-created"> | WindowEvent<"close-requested"> | (WindowEvent<"window-destroyed"> & {
    reason?: "host-crashed";
}) | WindowEvent<"focus"> | WindowEvent<"blur"> | (WindowEvent<"resize"> & {
    width: number;
    height: number;
}) | (WindowEvent<"move"> & {
    x: number;
    y: number;
}) | WebviewEvent<"webview-created"> | (WebviewEvent<"webview-destroyed"> & {
    reason?: "host-crashed";
}) | (WebviewEvent<"page-load"> & {
    state: "started" | "finished";
    url: string;
}) | (WebviewEvent<"title-changed"> & {
    title: string;
}) | (WebviewEvent<"message"> & {
    channel: string;
    payload: unknown;
    bytes?: number;
}) | (WebviewEvent<"invoke"> & {
    call: number;
    name: string;
    args: unknown[];
}) | ({
    type: "invoke-result";
    window?: number;
    webview: number;
    call: number;
    ok: boolean;
    value?: unknown;
    error?: string;
    code?: string;
}) | {
    type: "error";
    id: number;
    code: string;
    message: string;
} | (WebviewEvent<"security"> & {
    reason: string;
    origin: string;
}) | (WebviewEvent<"channel-open"> & {
    channel: number;
    name: string;
}) | (WebviewEvent<"channel-message"> & {
    channel: number;
    payload: unknown;
    bytes?: number;
}) | (WebviewEvent<"channel-close"> & {
    channel: number;
    reason: string;
}) | (WebviewEvent<"channel-ready"> & {
    channel: number;
}) | {
    type: "state-changed";
    key: string;
    value: unknown;
    version: number;
    source: "host" | "page";
    window?: number;
    webview?: number;
} | (WebviewEvent<"invoke-cancelled"> & {
    call: number;
    reason: string;
}) | (WebviewEvent<"navigation-blocked"> & {
    url: string;
}) | (WebviewEvent<"new-window-requested"> & {
    url: string;
    action: "blocked" | "opened-in-browser";
}) | (WindowEvent<"scale-changed"> & {
    scale: number;
}) | (WindowEvent<"theme-changed"> & {
    theme: "light" | "dark";
}) | WindowEvent<"minimized"> | WindowEvent<"maximized"> | WindowEvent<"restored"> | (WebviewEvent<"file-hover"> & {
    paths: string[];
    x: number;
    y: number;
}) | (WebviewEvent<"file-drop"> & {
    paths: string[];
    x: number;
    y: number;
}) | WebviewEvent<"file-drop-cancelled"> | (WebviewEvent<"asset-request"> & {
    request: number;
    method: string;
    path: string;
    headers: Record<string, string>;
    bytes?: number;
    payload?: Uint8Array;
}) | (WebviewEvent<"download-started"> & {
    url: string;
    path: string;
}) | (WebviewEvent<"download-finished"> & {
    url: string;
    ok: boolean;
    path?: string;
}) | (WebviewEvent<"download-blocked"> & {
    url: string;
}) | HostCrashedEvent | HostRestartedEvent;
/** Host mode: `transom-host` died. Every pending call was rejected with
 *  `TRANSOM_ERROR_HOST_CRASHED`; its windows are gone (each gets a `window-destroyed` with
 *  `reason: "host-crashed"` after this event). */
export interface HostCrashedEvent {
    type: "host-crashed";
    /** The host's exit status, or null when a signal ended it. */
    exitCode: number | null;
    /** The signal that ended it (`"SIGKILL"`), or null. */
    signal: string | null;
    /** Crashes in a row, counting this one. */
    crashes: number;
    /** In how many ms the next host starts, or null when the app gives up (it then closes). */
    restartIn: number | null;
}
/** Host mode: a new `transom-host` runs after a crash. It has no windows: create them again.
 *  The shared state the program knew was written back into it. */
export interface HostRestartedEvent {
    type: "host-restarted";
    /** Restarts in a row (1 to 3 with the default delays). */
    restarts: number;
    /** The new host's process id. */
    pid: number;
}
/** The `type` of every event. */
export type TransomEventType = TransomEvent["type"];
/** The event of one type. */
export type EventOfType<T extends TransomEventType> = Extract<TransomEvent, {
    type: T;
}>;
export {};
