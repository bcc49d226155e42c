import type { AnyIpc, ArgsOf, Bytes, ChannelsOf, EventOfType, EventsOf, HandlersOf, Json, PageHandlersOf, ResultOf, StateOf, TransomEvent, TransomEventType, Unsubscribe, WebviewOptions, WebviewProps, WindowOptions, WindowProps } from "./types.ts";
declare const OPTIONS_BRAND: unique symbol;
/**
 * Options of one `webview.invoke` call. Made with {@link invokeOptions} and passed as the last
 * argument: only an object made that way is taken as options, so a plain object is always an
 * argument for the page. (`webview.invokeWith(options, name, ...args)` is the other way.)
 */
export declare class InvokeOptions {
    /** Ends the call after this many milliseconds (TRANSOM_ERROR_TIMEOUT). */
    readonly timeout?: number;
    /** Aborting it cancels the call (TRANSOM_ERROR_CANCELLED). */
    readonly signal?: AbortSignal;
    readonly [OPTIONS_BRAND] = true;
    constructor(options?: {
        timeout?: number;
        signal?: AbortSignal;
    });
}
/** Options for the last argument of `webview.invoke`: `view.invoke("f", 1, invokeOptions({ timeout: 500 }))`. */
export declare function invokeOptions(options: {
    timeout?: number;
    signal?: AbortSignal;
}): InvokeOptions;
/**
 * An app: windows, webviews and one stream of events. Made by `start()`.
 *
 * `S` types the shared state and the app-wide handlers; windows take their own schema
 * (`app.createWindow<MyIpc>()`), which defaults to the app's.
 */
export declare class App<S = AnyIpc> {
    /** How this app runs: `"in-process"` (library or addon loaded) or `"host"` (transom-host). */
    readonly mode: "in-process" | "host";
    /** The runtime: `"bun"`, `"deno"` or `"node"`. */
    readonly runtime: "bun" | "deno" | "node";
    /** The library version (`MAJOR.MINOR.PATCH`). */
    readonly version: string;
    /** Resolves when the app has closed (`close()`, or host mode giving up after crashes). */
    readonly closed: Promise<void>;
    private readonly creating;
    private readonly early;
    private readonly expected;
    private readonly calls;
    private readonly stateValues;
    private readonly stateWatchers;
    private readonly handlers;
    /** Names sent to the core with `handle` (kept across host restarts). */
    private readonly allowedHandlers;
    private readonly channelHandlers;
    private readonly listeners;
    private readonly errorListeners;
    private readonly ends;
    private closing;
    private isClosed;
    private resolveClosed;
    private alive;
    /** Host mode: the process id of the running `transom-host` (undefined in-process). */
    get hostPid(): number | undefined;
    /** The open windows. */
    get windows(): Window<any>[];
    /** The window with this id, if open. */
    window(id: number): Window<any> | undefined;
    /** The webview with this id, if open. */
    webview(id: number): Webview<any> | undefined;
    /** Whether the app has closed. */
    get isClosedNow(): boolean;
    private postBytes;
    /**
     * Opens a window. Resolves once it exists (`window-created`); rejects with the failure the
     * windowing system reported. `W` is the window's IPC schema (see {@link IpcSchema}).
     */
    createWindow<W = S>(options?: WindowOptions): Promise<Window<W>>;
    /** Sends `payload` (JSON, or bytes) on `channel` to every webview of the app. */
    broadcast<C extends keyof EventsOf<S> & string>(channel: C, payload?: EventsOf<S>[C] | Bytes): Promise<void>;
    /**
     * Answers an `asset-request` event (a webview with `assetsHandler: true` asked for
     * `transom://app/…` that its folder does not have): HTTP `status` (100–599), `headers` (name
     * to value) and `body` (bytes, or a string sent as UTF-8). Without a `content-type` the type is
     * guessed from the path; the webview's Content-Security-Policy is added unless `headers` has
     * one. Rejects with `TRANSOM_ERROR_NOT_FOUND` when the request is not waiting any more.
     */
    respondAsset(request: number, status: number, options?: {
        headers?: Record<string, string>;
        body?: Uint8Array | string;
    }): Promise<void>;
    /**
     * Answers the calls `host.invoke(name, ...args)` of every page that has no handler of its own
     * for `name` (see `webview.handle`). Returns a function that removes it.
     */
    handle<N extends keyof HandlersOf<S> & string>(name: N, fn: (...args: ArgsOf<HandlersOf<S>, N>) => ResultOf<HandlersOf<S>, N> | Promise<ResultOf<HandlersOf<S>, N>>): Unsubscribe;
    /** Takes the channels pages open with `host.channel(name)` when their webview has no handler
     *  for `name`. A channel nobody takes is closed at once. */
    onChannel<N extends keyof ChannelsOf<S> & string>(name: N, fn: (channel: Channel<ChannelsOf<S>[N]>) => void): Unsubscribe;
    /**
     * The shared state: `app.state.theme` reads what the program knows (every change by a page or
     * the program arrives as a `state-changed` event); `app.state.theme = "dark"` writes it for
     * every webview (a failure goes to `onError`). `setState` is the awaitable write.
     */
    readonly state: Partial<StateOf<S>> & Record<string, any>;
    /** Writes shared state `key` for every webview; resolves with the version the library gave it. */
    setState<K extends keyof StateOf<S> & string>(key: K, value: StateOf<S>[K]): Promise<number>;
    /** Reads shared state `key` from the library (undefined if never set). */
    getState<K extends keyof StateOf<S> & string>(key: K): Promise<StateOf<S>[K] | undefined>;
    /** Calls `fn(value, old)` whenever `key` changes (by the program or any page). */
    watchState<K extends keyof StateOf<S> & string>(key: K, fn: (value: StateOf<S>[K], old: StateOf<S>[K] | undefined) => void): Unsubscribe;
    private applyState;
    /**
     * Calls `fn` with every event of type `type` (`"*"`: every event). Returns a function that
     * removes it.
     */
    on<T extends TransomEventType>(type: T, fn: (event: EventOfType<T>) => void): Unsubscribe;
    on(type: "*", fn: (event: TransomEvent) => void): Unsubscribe;
    /** Like `on`, for the next such event only. */
    once<T extends TransomEventType>(type: T, fn: (event: EventOfType<T>) => void): Unsubscribe;
    /** Resolves with the next event of `type` that passes `filter`; rejects after `timeout` ms. */
    next<T extends TransomEventType>(type: T, options?: {
        filter?: (event: EventOfType<T>) => boolean;
        timeout?: number;
    }): Promise<EventOfType<T>>;
    /** Every event of the app, from now until it closes. */
    events(): AsyncGenerator<TransomEvent, void, undefined>;
    /** The events of one window (and its webview), from now until its `window-destroyed`. */
    eventsFor(window: number | Window<any>): AsyncGenerator<TransomEvent, void, undefined>;
    /** The messages pages send on `channel` (`host.send(channel, data)`), from every webview. */
    channelEvents<C extends keyof EventsOf<S> & string>(channel: C): AsyncGenerator<EventOfType<"message"> & {
        payload: EventsOf<S>[C];
    }, void, undefined>;
    private subscribe;
    /**
     * Sees what the app cannot throw to anyone: listeners and handlers that threw, failed writes
     * through `app.state`. Without listeners these go to `console.error`.
     */
    onError(fn: (error: unknown) => void): Unsubscribe;
    private reportError;
    private receive;
    private settle;
    private answer;
    private pageChannel;
    private hostCrashed;
    private hostRestarted;
    private updateAlive;
    /**
     * Closes every window, ends every pending call (TRANSOM_ERROR_CLOSED) and shuts the app down.
     * Resolves once the last events (webview-destroyed, window-destroyed) have been delivered.
     * Idempotent.
     */
    close(): Promise<void>;
    private finish;
}
/** A native window. Its webview is made with `createWebview`. */
export declare class Window<S = AnyIpc> {
    readonly app: App<any>;
    readonly id: number;
    /** Resolves when the window is gone (closed by the program, the user or the app). */
    readonly closed: Promise<void>;
    private view;
    private isOpen;
    private resolveClosed;
    private readonly listeners;
    /** Whether the window is still open. */
    get isClosed(): boolean;
    /** Its first webview, once created (see `createWebview` for more than one). */
    get webview(): Webview<S> | null;
    /** Creates a webview in the window: filling it, or in the rectangle `x`, `y`, `width`,
     *  `height` (logical pixels) of the options; a window may hold several (later ones are drawn
     *  above earlier ones). Resolves once it exists (`webview-created`). */
    createWebview<W = S>(options?: WebviewOptions): Promise<Webview<W>>;
    /** Changes window properties (only those given). */
    set(props: WindowProps): Promise<void>;
    /** Closes the window and its webview; resolves once it is gone (`window-destroyed`). */
    close(): Promise<void>;
    /** Sends `payload` on `channel` to this window's page. */
    send<C extends keyof EventsOf<S> & string>(channel: C, payload?: EventsOf<S>[C]): Promise<void>;
    /** Calls `fn` with this window's events of `type` (`"*"`: all, including its webview's). */
    on<T extends TransomEventType>(type: T | "*", fn: (event: EventOfType<T>) => void): Unsubscribe;
    /** This window's events from now until it is destroyed. */
    events(): AsyncGenerator<TransomEvent, void, undefined>;
}
/** The webview of a window: its page, and the messages, calls and channels to it. */
export declare class Webview<S = AnyIpc> {
    readonly app: App<any>;
    readonly window: Window<S>;
    readonly id: number;
    private readonly messageListeners;
    private readonly handlers;
    private readonly channelHandlers;
    private isOpen;
    /** Whether the webview still exists. */
    get isClosed(): boolean;
    /** Sends `data` (JSON, or bytes) on `channel` to the page: its `host.on(channel, fn)` listeners get it. */
    send<C extends keyof EventsOf<S> & string>(channel: C, data?: EventsOf<S>[C] | Bytes): Promise<void>;
    /** Calls `fn(data, event)` with each message the page sends on `channel` (`host.send`). */
    on<C extends keyof EventsOf<S> & string>(channel: C, fn: (data: EventsOf<S>[C], event: EventOfType<"message">) => void): Unsubscribe;
    /** Removes a listener added with `on`. */
    off<C extends keyof EventsOf<S> & string>(channel: C, fn: (data: EventsOf<S>[C], event: EventOfType<"message">) => void): void;
    /** Like `on`, for the next message only. */
    once<C extends keyof EventsOf<S> & string>(channel: C, fn: (data: EventsOf<S>[C], event: EventOfType<"message">) => void): Unsubscribe;
    /** Resolves with the next message the page sends on `channel`; rejects after `timeout` ms. */
    next<C extends keyof EventsOf<S> & string>(channel: C, options?: {
        timeout?: number;
    }): Promise<EventsOf<S>[C]>;
    /**
     * Calls the page's handler `name` (`host.handle(name, fn)`) with `args`; resolves with its
     * value. Options go last, made with `invokeOptions({ timeout, signal })`; a plain object is
     * always an argument. Rejects with TRANSOM_ERROR_REJECTED (the handler threw, or no handler
     * has that name), TRANSOM_ERROR_TIMEOUT, TRANSOM_ERROR_CANCELLED, TRANSOM_ERROR_NOT_FOUND (the
     * page went away) or TRANSOM_ERROR_CLOSED.
     */
    invoke<N extends keyof PageHandlersOf<S> & string>(name: N, ...args: ArgsOf<PageHandlersOf<S>, N> | [...ArgsOf<PageHandlersOf<S>, N>, InvokeOptions]): Promise<ResultOf<PageHandlersOf<S>, N>>;
    /** Like `invoke`, with options first (as the page's `host.invokeWith`). */
    invokeWith<N extends keyof PageHandlersOf<S> & string>(options: {
        timeout?: number;
        signal?: AbortSignal;
    }, name: N, ...args: ArgsOf<PageHandlersOf<S>, N>): Promise<ResultOf<PageHandlersOf<S>, N>>;
    /**
     * Answers the page's `host.invoke(name, ...args)` with `fn(...args)` (sync or async). A thrown
     * error rejects the page's call with its message; a name with no handler (here or
     * `app.handle`) rejects with "no handler named NAME". Returns a function that removes it.
     */
    handle<N extends keyof HandlersOf<S> & string>(name: N, fn: (...args: ArgsOf<HandlersOf<S>, N>) => ResultOf<HandlersOf<S>, N> | Promise<ResultOf<HandlersOf<S>, N>>): Unsubscribe;
    /**
     * Opens a channel `name` to the page, which takes it with `host.onChannel(name, fn)` (a page
     * without such a handler closes it). Usable at once; sends wait until it is open.
     */
    channel<N extends keyof ChannelsOf<S> & string>(name: N): Channel<ChannelsOf<S>[N]>;
    /** Takes the channels the page opens with `host.channel(name)`. A channel opened with no
     *  handler (here or `app.onChannel`) is closed at once. */
    onChannel<N extends keyof ChannelsOf<S> & string>(name: N, fn: (channel: Channel<ChannelsOf<S>[N]>) => void): Unsubscribe;
    /** Runs `script` in the page (after what was sent before it). Its value is not returned:
     *  use `invoke` for that. */
    eval(script: string): Promise<void>;
    /** Loads `url`; calls pending in the current page are rejected. */
    navigate(url: string): Promise<void>;
    /** Moves, resizes, shows or hides the webview (`webview.set`): `x`, `y`, `width`, `height`
     *  together (logical pixels in the window's content area), or `fill: true`; `visible`. Only the
     *  fields given change. Rejects with `TRANSOM_ERROR_INVALID_ARGUMENT` for incomplete bounds. */
    set(props: WebviewProps): Promise<void>;
}
/**
 * An ordered stream between the program and one page, closed by either side. `send` respects the
 * page: while 4 MiB are in flight it waits (TRANSOM_ERROR_WOULD_BLOCK, then `channel-ready`).
 * Iterate it (`for await (const message of channel)`) or listen with `on("message", fn)`; messages
 * that come before either are kept. Bytes sent by the page arrive as Uint8Array.
 */
export declare class Channel<T = any> implements AsyncIterable<T> {
    private readonly app;
    /** The webview of the page at the other end. */
    readonly webview: Webview<any>;
    /** The channel's name. */
    readonly name: string;
    /** Who opened it. */
    readonly openedBy: "program" | "page";
    /** Resolves with the reason when the channel closes. */
    readonly closed: Promise<{
        reason: string;
    }>;
    private channelId;
    private isOpen;
    private blockedCount;
    private readonly sends;
    private pumping;
    private readyFlag;
    private readyWaiter;
    private whenOpened;
    private readonly inbox;
    private readonly messageListeners;
    private readonly closeListeners;
    private resolveClosed;
    /** The id the library knows the channel by (0 until it is open). */
    get id(): number;
    /** Whether the channel is closed. */
    get isClosed(): boolean;
    /** How many times a send found the page behind (TRANSOM_ERROR_WOULD_BLOCK) and waited. */
    get waits(): number;
    /**
     * Sends `data` (JSON, or bytes). Resolves once the library took it; waits while the page is
     * behind. Rejects when the channel closes first, or for data that cannot go (too large, not
     * JSON). Sends go out in the order of the calls.
     */
    send(data: T | Bytes): Promise<void>;
    /** Sends one message; returns (or throws) synchronously in-process. */
    private sendNow;
    private pump;
    /** Calls `fn` with each message from the page; `"close"`: with the reason when it closes. */
    on(event: "message", fn: (data: T) => void): Unsubscribe;
    on(event: "close", fn: (reason: string) => void): Unsubscribe;
    /** Closes the channel; the page's side closes too ("closed by the program"). */
    close(): Promise<void>;
    [Symbol.asyncIterator](): AsyncIterator<T>;
}
export type { Json };
