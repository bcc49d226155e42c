/**
 * The core of the package, the same in every runtime and mode: apps, windows, webviews, calls
 * both ways, channels with backpressure, shared state and event streams, on top of a
 * {@link Backend} that runs host-protocol commands and delivers events.
 */
import type { Backend, BackendSink } from "./backend.ts";
import { messageOf, toTransomError, TransomError } from "./errors.ts";
import type {
  AnyIpc,
  ArgsOf,
  Bytes,
  ChannelsOf,
  EventOfType,
  EventsOf,
  HandlersOf,
  Json,
  PageHandlersOf,
  ResultOf,
  StateOf,
  TransomEvent,
  TransomEventType,
  Unsubscribe,
  WebviewOptions,
  WebviewProps,
  WindowOptions,
  WindowProps,
} from "./types.ts";

// ---- helpers -------------------------------------------------------------------------------------

/** JSON text of a payload (`undefined` becomes `null`), or a TransomError. */
function toJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", `${what} cannot be encoded as JSON: ${messageOf(error)}`);
  }
  return text === undefined ? "null" : text;
}

/** What the fast paths return: a settled Promise shared by every caller (it carries no value). */
const RESOLVED: Promise<void> = Promise.resolve();
const NOTHING = (): void => {};

/** Bytes as a Uint8Array view, or null for anything else. */
function asBytes(data: unknown): Uint8Array | null {
  if (data === null || typeof data !== "object") return null;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/** Option objects: camelCase keys become the protocol's snake_case (`minWidth` -> `min_width`). */
function optionsJson(options: object | undefined, what: string): string {
  if (options === undefined || options === null) return "{}";
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", `${what} must be an object`);
  }
  const converted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    converted[key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())] = value;
  }
  return toJson(converted, what);
}

/** Bytes as base64 (RFC 4648, padded), for the host protocol's `base64` fields. */
function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function checkName(what: string, name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", `${what} must be a non-empty string`);
  }
  return JSON.stringify(name);
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * An async iterator that subscribes at once (so nothing between the call and the first `next()`
 * is missed) and buffers what its consumer has not taken yet.
 */
function stream<T>(subscribe: (push: (value: T) => void, end: () => void) => Unsubscribe): AsyncIterableIterator<T> & AsyncGenerator<T, void, undefined> {
  let buffer: T[] = [];
  let head = 0;
  let waiting: ((result: IteratorResult<T, void>) => void) | null = null;
  let done = false;
  let unsubscribe: Unsubscribe = () => {};
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    if (waiting && head >= buffer.length) {
      const w = waiting;
      waiting = null;
      w({ value: undefined, done: true });
    }
  };
  unsubscribe = subscribe(
    (value) => {
      if (done) return;
      if (waiting) {
        const w = waiting;
        waiting = null;
        w({ value, done: false });
      } else buffer.push(value);
    },
    finish,
  );
  if (done) unsubscribe();
  const iterator = {
    next(): Promise<IteratorResult<T, void>> {
      if (head < buffer.length) {
        const value = buffer[head++];
        if (head > 1024 && head * 2 > buffer.length) {
          buffer = buffer.slice(head);
          head = 0;
        }
        return Promise.resolve({ value, done: false });
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return(): Promise<IteratorResult<T, void>> {
      buffer = [];
      head = 0;
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error: unknown): Promise<IteratorResult<T, void>> {
      finish();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator as unknown as AsyncIterableIterator<T> & AsyncGenerator<T, void, undefined>;
}

/** A set of listeners; a listener that throws is reported and the others still run. */
class Listeners<A extends unknown[]> {
  private readonly set = new Set<(...args: A) => void>();
  /** The listeners as an array, made again after a change: emit calls those there were when it
   *  began, without copying them each time. */
  private list: ((...args: A) => void)[] | null = null;
  constructor(private readonly report: (error: unknown) => void) {}
  add(fn: (...args: A) => void): Unsubscribe {
    if (typeof fn !== "function") throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "listener must be a function");
    this.set.add(fn);
    this.list = null;
    return () => {
      if (this.set.delete(fn)) this.list = null;
    };
  }
  delete(fn: (...args: A) => void): void {
    if (this.set.delete(fn)) this.list = null;
  }
  get size(): number {
    return this.set.size;
  }
  emit(...args: A): void {
    if (this.set.size === 0) return;
    const list = (this.list ??= Array.from(this.set));
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](...args);
      } catch (error) {
        this.report(error);
      }
    }
  }
  clear(): void {
    this.set.clear();
    this.list = null;
  }
}

// ---- invoke options ----------------------------------------------------------------------------------

const OPTIONS_BRAND = Symbol.for("transom.invokeOptions");

/**
 * Options of one `webview.invoke` call. Made with {@link invokeOptions} and passed as the last
 * argument: only an object made that way is taken as options, so a plain object is always an
 * argument for the page. (`webview.invokeWith(options, name, ...args)` is the other way.)
 */
export class InvokeOptions {
  /** Ends the call after this many milliseconds (TRANSOM_ERROR_TIMEOUT). */
  readonly timeout?: number;
  /** Aborting it cancels the call (TRANSOM_ERROR_CANCELLED). */
  readonly signal?: AbortSignal;
  readonly [OPTIONS_BRAND] = true;
  constructor(options: { timeout?: number; signal?: AbortSignal } = {}) {
    this.timeout = options.timeout;
    this.signal = options.signal;
  }
}

/** Options for the last argument of `webview.invoke`: `view.invoke("f", 1, invokeOptions({ timeout: 500 }))`. */
export function invokeOptions(options: { timeout?: number; signal?: AbortSignal }): InvokeOptions {
  return new InvokeOptions(options);
}

function isInvokeOptions(value: unknown): value is InvokeOptions {
  return typeof value === "object" && value !== null && (value as any)[OPTIONS_BRAND] === true;
}

// ---- the app -----------------------------------------------------------------------------------------

type AnyListener = (event: TransomEvent) => void;
type Handler = (...args: any[]) => unknown;

/** What is known about a channel's window of credit while sends wait. */
interface PendingSend {
  data: unknown;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * An app: windows, webviews and one stream of events. Made by `start()`.
 *
 * `S` types the shared state and the app-wide handlers; windows take their own schema
 * (`app.createWindow<MyIpc>()`), which defaults to the app's.
 */
export class App<S = AnyIpc> {
  /** How this app runs: `"in-process"` (library or addon loaded) or `"host"` (transom-host). */
  readonly mode: "in-process" | "host";
  /** The runtime: `"bun"`, `"deno"` or `"node"`. */
  readonly runtime: "bun" | "deno" | "node";
  /** The library version (`MAJOR.MINOR.PATCH`). */
  readonly version: string;
  /** Resolves when the app has closed (`close()`, or host mode giving up after crashes). */
  readonly closed: Promise<void>;

  /** @internal */ readonly _backend: Backend;
  /** @internal */ readonly _windows = new Map<number, Window<any>>();
  /** @internal */ readonly _webviews = new Map<number, Webview<any>>();
  /** @internal */ readonly _channels = new Map<number, Channel<any>>();
  private readonly creating = new Map<number, Deferred<void>>();
  private readonly early = new Map<number, TransomError | null>();
  private readonly expected = new Set<number>();
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void; cleanup(): void }>();
  private readonly stateValues = new Map<string, { version: number; value: unknown }>();
  private readonly stateWatchers = new Map<string, Listeners<[unknown, unknown]>>();
  private readonly handlers = new Map<string, Handler>();
  /** Names sent to the core with `handle` (kept across host restarts). */
  private readonly allowedHandlers = new Set<string>();
  private readonly channelHandlers = new Map<string, (channel: Channel<any>) => void>();
  private readonly listeners = new Map<string, Listeners<[any]>>();
  private readonly errorListeners = new Set<(error: unknown) => void>();
  private readonly ends = new Set<() => void>();
  private closing: Promise<void> | null = null;
  private isClosed = false;
  private resolveClosed!: () => void;
  private alive = false;
  /** @internal */ readonly _report = (error: unknown) => this.reportError(error);

  /** @internal Use `start()`. */
  constructor(backendFactory: (sink: BackendSink) => Backend) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const sink: BackendSink = {
      event: (json, bytes) => this.receive(json, bytes),
      crashed: (info) => this.hostCrashed(info),
      restarted: (info) => this.hostRestarted(info),
    };
    this._backend = backendFactory(sink);
    this.mode = this._backend.mode;
    this.runtime = this._backend.runtime;
    this.version = this._backend.version;
  }

  /** Host mode: the process id of the running `transom-host` (undefined in-process). */
  get hostPid(): number | undefined {
    return this._backend.pid;
  }

  /** The open windows. */
  get windows(): Window<any>[] {
    return Array.from(this._windows.values());
  }

  /** The window with this id, if open. */
  window(id: number): Window<any> | undefined {
    return this._windows.get(id);
  }

  /** The webview with this id, if open. */
  webview(id: number): Webview<any> | undefined {
    return this._webviews.get(id);
  }

  /** Whether the app has closed. */
  get isClosedNow(): boolean {
    return this.isClosed;
  }

  // ---- commands ----

  /** @internal Runs a command; `onReply` sees the reply before any event that follows it. */
  _run(command: string, onReply?: (reply: any) => void): Promise<any> {
    if (this.isClosed) return Promise.reject(new TransomError("TRANSOM_ERROR_CLOSED", "the app has been shut down"));
    let result: string | Promise<string>;
    try {
      result = this._backend.run(command, onReply ? (text) => onReply(JSON.parse(text)) : undefined);
    } catch (error) {
      return Promise.reject(toTransomError(error));
    }
    if (typeof result === "string") {
      const reply = JSON.parse(result);
      try {
        onReply?.(reply);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(reply);
    }
    return result.then((text) => JSON.parse(text));
  }

  /** @internal Runs a command whose reply carries nothing wanted (not parsed). */
  _exec(command: string): Promise<void> {
    if (this.isClosed) return Promise.reject(new TransomError("TRANSOM_ERROR_CLOSED", "the app has been shut down"));
    let result: string | Promise<string>;
    try {
      result = this._backend.run(command);
    } catch (error) {
      return Promise.reject(toTransomError(error));
    }
    return typeof result === "string" ? RESOLVED : result.then(NOTHING);
  }

  /** @internal Runs a command and throws at once in-process (host mode: a Promise). */
  _runNow(command: string): string | Promise<string> {
    if (this.isClosed) throw new TransomError("TRANSOM_ERROR_CLOSED", "the app has been shut down");
    try {
      return this._backend.run(command);
    } catch (error) {
      throw toTransomError(error);
    }
  }

  /** @internal Sends a message (JSON or bytes) to a post target. */
  _post(target: string, webview: number, channel: string, data: unknown): Promise<void> {
    if (typeof channel !== "string" || channel.length === 0) {
      return Promise.reject(new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "channel must be a non-empty string"));
    }
    const bytes = asBytes(data);
    if (bytes) return this.postBytes(target, webview, channel, bytes);
    let payload: string;
    try {
      payload = toJson(data, "the payload");
    } catch (error) {
      return Promise.reject(error);
    }
    const direct = this._backend.direct;
    if (direct && !this.isClosed) {
      // In-process: the library takes it now (no command or reply JSON, no waiting).
      try {
        direct.post(target as "webview" | "window", webview, channel, payload);
      } catch (error) {
        return Promise.reject(toTransomError(error));
      }
      return RESOLVED;
    }
    return this._exec('{"cmd":"post","' + target + '":' + webview + ',"channel":' + JSON.stringify(channel) + ',"payload":' + payload + "}");
  }

  private async postBytes(target: string, webview: number, channel: string, bytes: Uint8Array): Promise<void> {
    if (target !== "webview") throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "bytes go to a webview or to every webview, not to a window");
    try {
      await this._backend.postBytes(webview, channel, bytes);
    } catch (error) {
      throw toTransomError(error);
    }
  }

  /** @internal A create command's reply gave `id`: its `*-created` (or `error`) event follows. */
  _expect(id: number): void {
    this.expected.add(id);
  }

  /** @internal Waits for the `*-created` event of a new id (or its `error` event). */
  _created(id: number): Promise<void> {
    this.expected.delete(id);
    if (this.early.has(id)) {
      const error = this.early.get(id);
      this.early.delete(id);
      return error ? Promise.reject(error) : Promise.resolve();
    }
    const d = deferred<void>();
    this.creating.set(id, d);
    this.updateAlive();
    return d.promise;
  }

  /**
   * Opens a window. Resolves once it exists (`window-created`); rejects with the failure the
   * windowing system reported. `W` is the window's IPC schema (see {@link IpcSchema}).
   */
  async createWindow<W = S>(options: WindowOptions = {}): Promise<Window<W>> {
    const json = optionsJson(options, "window options");
    let window!: Window<W>;
    await this._run('{"cmd":"window.create","options":' + json + "}", (reply) => {
      window = new Window<W>(this, reply.window);
      this._windows.set(window.id, window);
      this._expect(window.id);
      this.updateAlive();
    });
    try {
      await this._created(window.id);
    } catch (error) {
      this._windows.delete(window.id);
      this.updateAlive();
      throw error;
    }
    return window;
  }

  /** Sends `payload` (JSON, or bytes) on `channel` to every webview of the app. */
  broadcast<C extends keyof EventsOf<S> & string>(channel: C, payload?: EventsOf<S>[C] | Bytes): Promise<void> {
    return this._post("webview", 0, channel, payload);
  }

  /**
   * Answers an `asset-request` event (a webview with `assetsHandler: true` asked for
   * `transom://app/…` that its folder does not have): HTTP `status` (100–599), `headers` (name
   * to value) and `body` (bytes, or a string sent as UTF-8). Without a `content-type` the type is
   * guessed from the path; the webview's Content-Security-Policy is added unless `headers` has
   * one. Rejects with `TRANSOM_ERROR_NOT_FOUND` when the request is not waiting any more.
   */
  async respondAsset(
    request: number,
    status: number,
    options: { headers?: Record<string, string>; body?: Uint8Array | string } = {},
  ): Promise<void> {
    const body = typeof options.body === "string" ? new TextEncoder().encode(options.body) : (options.body ?? new Uint8Array(0));
    const headers = options.headers === undefined ? "" : ',"headers":' + toJson(options.headers, "headers");
    await this._run(
      '{"cmd":"asset.respond","request":' + Number(request) + ',"status":' + Number(status) + headers + ',"base64":"' + toBase64(body) + '"}',
    );
  }

  // ---- handlers ----

  /**
   * Answers the calls `host.invoke(name, ...args)` of every page that has no handler of its own
   * for `name` (see `webview.handle`). Returns a function that removes it.
   */
  handle<N extends keyof HandlersOf<S> & string>(
    name: N,
    fn: (...args: ArgsOf<HandlersOf<S>, N>) => ResultOf<HandlersOf<S>, N> | Promise<ResultOf<HandlersOf<S>, N>>,
  ): Unsubscribe {
    checkName("handler name", name);
    if (typeof fn !== "function") throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "handler must be a function");
    this._allowHandler(name);
    this.handlers.set(name, fn as Handler);
    return () => {
      if (this.handlers.get(name) === fn) this.handlers.delete(name);
    };
  }

  /** Takes the channels pages open with `host.channel(name)` when their webview has no handler
   *  for `name`. A channel nobody takes is closed at once. */
  onChannel<N extends keyof ChannelsOf<S> & string>(name: N, fn: (channel: Channel<ChannelsOf<S>[N]>) => void): Unsubscribe {
    checkName("channel name", name);
    this.channelHandlers.set(name, fn);
    return () => {
      if (this.channelHandlers.get(name) === fn) this.channelHandlers.delete(name);
    };
  }

  // ---- state ----

  /**
   * The shared state: `app.state.theme` reads what the program knows (every change by a page or
   * the program arrives as a `state-changed` event); `app.state.theme = "dark"` writes it for
   * every webview (a failure goes to `onError`). `setState` is the awaitable write.
   */
  readonly state: Partial<StateOf<S>> & Record<string, any> = new Proxy(Object.create(null), {
    get: (_, key) => (typeof key === "string" ? this.stateValues.get(key)?.value : undefined),
    set: (_, key, value) => {
      if (typeof key !== "string") return false;
      this.setState(key as any, value).catch((error) => this.reportError(error));
      return true;
    },
    has: (_, key) => typeof key === "string" && this.stateValues.has(key),
    ownKeys: () => Array.from(this.stateValues.keys()),
    getOwnPropertyDescriptor: (_, key) => {
      const entry = typeof key === "string" ? this.stateValues.get(key) : undefined;
      return entry ? { value: entry.value, enumerable: true, configurable: true, writable: true } : undefined;
    },
    deleteProperty: () => {
      throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "state keys cannot be deleted; set them to null");
    },
  });

  /** Writes shared state `key` for every webview; resolves with the version the library gave it. */
  setState<K extends keyof StateOf<S> & string>(key: K, value: StateOf<S>[K]): Promise<number> {
    let quoted: string;
    let text: string;
    try {
      quoted = checkName("state key", key);
      text = toJson(value, "the state value");
    } catch (error) {
      return Promise.reject(error);
    }
    // Seen at once here, as a page sees its own writes; the event with the version follows.
    this.applyState(key, JSON.parse(text), 0);
    return this._run('{"cmd":"state.set","key":' + quoted + ',"value":' + text + "}").then((reply) => reply.version as number);
  }

  /** Reads shared state `key` from the library (undefined if never set). */
  async getState<K extends keyof StateOf<S> & string>(key: K): Promise<StateOf<S>[K] | undefined> {
    const quoted = checkName("state key", key);
    try {
      const reply = await this._run('{"cmd":"state.get","key":' + quoted + "}");
      return reply.value;
    } catch (error) {
      if (error instanceof TransomError && error.code === "TRANSOM_ERROR_NOT_FOUND") return undefined;
      throw error;
    }
  }

  /** Calls `fn(value, old)` whenever `key` changes (by the program or any page). */
  watchState<K extends keyof StateOf<S> & string>(key: K, fn: (value: StateOf<S>[K], old: StateOf<S>[K] | undefined) => void): Unsubscribe {
    checkName("state key", key);
    let set = this.stateWatchers.get(key);
    if (!set) this.stateWatchers.set(key, (set = new Listeners(this._report)));
    return set.add(fn as (value: unknown, old: unknown) => void);
  }

  private applyState(key: string, value: unknown, version: number): void {
    const old = this.stateValues.get(key);
    if (old && version !== 0 && version <= old.version) return;
    this.stateValues.set(key, { version: version || (old ? old.version : 0), value });
    if (old && JSON.stringify(old.value) === JSON.stringify(value)) return;
    this.stateWatchers.get(key)?.emit(value, old?.value);
  }

  // ---- events ----

  /**
   * Calls `fn` with every event of type `type` (`"*"`: every event). Returns a function that
   * removes it.
   */
  on<T extends TransomEventType>(type: T, fn: (event: EventOfType<T>) => void): Unsubscribe;
  on(type: "*", fn: (event: TransomEvent) => void): Unsubscribe;
  on(type: string, fn: (event: any) => void): Unsubscribe {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Listeners(this._report)));
    return set.add(fn);
  }

  /** Like `on`, for the next such event only. */
  once<T extends TransomEventType>(type: T, fn: (event: EventOfType<T>) => void): Unsubscribe {
    const off = this.on(type, (event) => {
      off();
      fn(event as EventOfType<T>);
    });
    return off;
  }

  /** Resolves with the next event of `type` that passes `filter`; rejects after `timeout` ms. */
  next<T extends TransomEventType>(type: T, options: { filter?: (event: EventOfType<T>) => boolean; timeout?: number } = {}): Promise<EventOfType<T>> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const off = this.on(type, (event) => {
        if (options.filter && !options.filter(event as EventOfType<T>)) return;
        off();
        if (timer) clearTimeout(timer);
        resolve(event as EventOfType<T>);
      });
      if (options.timeout !== undefined) {
        timer = setTimeout(() => {
          off();
          reject(new TransomError("TRANSOM_ERROR_TIMEOUT", `no ${type} event within ${options.timeout} ms`));
        }, options.timeout);
      }
    });
  }

  /** Every event of the app, from now until it closes. */
  events(): AsyncGenerator<TransomEvent, void, undefined> {
    return this.subscribe(() => true, () => false);
  }

  /** The events of one window (and its webview), from now until its `window-destroyed`. */
  eventsFor(window: number | Window<any>): AsyncGenerator<TransomEvent, void, undefined> {
    const id = typeof window === "number" ? window : window.id;
    const concerns = (e: any) => e.window === id || (e.window === undefined && e.webview !== undefined && this._webviews.get(e.webview)?.window.id === id);
    return this.subscribe(concerns, (e) => e.type === "window-destroyed" && e.window === id);
  }

  /** The messages pages send on `channel` (`host.send(channel, data)`), from every webview. */
  channelEvents<C extends keyof EventsOf<S> & string>(channel: C): AsyncGenerator<EventOfType<"message"> & { payload: EventsOf<S>[C] }, void, undefined> {
    return this.subscribe((e) => e.type === "message" && e.channel === channel, () => false) as any;
  }

  private subscribe(filter: (e: TransomEvent) => boolean, last: (e: TransomEvent) => boolean): AsyncGenerator<TransomEvent, void, undefined> {
    return stream<TransomEvent>((push, end) => {
      if (this.isClosed) {
        end();
        return () => {};
      }
      const off = this.on("*", (event) => {
        if (!filter(event)) return;
        push(event);
        if (last(event)) end();
      });
      this.ends.add(end);
      return () => {
        off();
        this.ends.delete(end);
      };
    });
  }

  /**
   * Sees what the app cannot throw to anyone: listeners and handlers that threw, failed writes
   * through `app.state`. Without listeners these go to `console.error`.
   */
  onError(fn: (error: unknown) => void): Unsubscribe {
    this.errorListeners.add(fn);
    return () => {
      this.errorListeners.delete(fn);
    };
  }

  private reportError(error: unknown): void {
    if (this.errorListeners.size === 0) {
      console.error("transom:", error);
      return;
    }
    for (const fn of Array.from(this.errorListeners)) {
      try {
        fn(error);
      } catch (e) {
        console.error("transom: onError listener failed:", e);
      }
    }
  }

  // ---- what the backend tells ----

  private receive(json: string, bytes?: Uint8Array): void {
    let event: any;
    try {
      event = JSON.parse(json);
    } catch (error) {
      this.reportError(new TransomError("TRANSOM_ERROR_PROTOCOL", `an event is not JSON: ${json.slice(0, 200)}`));
      return;
    }
    if (bytes) event.payload = bytes;
    this.dispatch(event);
  }

  /** @internal */
  private dispatch(event: any): void {
    const window: Window<any> | undefined = event.window !== undefined ? this._windows.get(event.window) : undefined;
    const webview: Webview<any> | undefined = event.webview !== undefined ? this._webviews.get(event.webview) : undefined;
    switch (event.type) {
      case "window-created":
        this.settle(event.window, null);
        break;
      case "webview-created":
        this.settle(event.webview, null);
        break;
      case "error":
        this.settle(event.id, new TransomError(event.code, event.message));
        break;
      case "message":
        webview?._message(event.channel, event.payload, event);
        break;
      case "invoke":
        this.answer(event, webview);
        break;
      case "invoke-result": {
        const call = this.calls.get(event.call);
        if (call) {
          this.calls.delete(event.call);
          call.cleanup();
          if (event.ok) call.resolve(event.value);
          else call.reject(new TransomError(event.code ?? "TRANSOM_ERROR_REJECTED", event.error ?? "rejected"));
        }
        break;
      }
      case "channel-open":
        if (webview) this.pageChannel(event.channel, event.name, webview);
        break;
      case "channel-message":
        this._channels.get(event.channel)?._deliver(event.payload);
        break;
      case "channel-close":
        this._channels.get(event.channel)?._finish(event.reason);
        break;
      case "channel-ready":
        this._channels.get(event.channel)?._ready();
        break;
      case "state-changed":
        this.applyState(event.key, event.value, event.version);
        break;
    }
    window?._event(event);
    this.listeners.get(event.type)?.emit(event);
    this.listeners.get("*")?.emit(event);
    if (event.type === "webview-destroyed" && webview) {
      this._webviews.delete(webview.id);
      webview._destroyed();
    }
    if (event.type === "window-destroyed" && window) {
      this._windows.delete(window.id);
      window._destroyed();
      this.updateAlive();
    }
  }

  private settle(id: number, error: TransomError | null): void {
    const waiting = this.creating.get(id);
    if (waiting) {
      this.creating.delete(id);
      if (error) waiting.reject(error);
      else waiting.resolve();
      this.updateAlive();
    } else if (this.expected.delete(id)) {
      // The creator has the id but is not waiting yet.
      this.early.set(id, error);
    }
  }

  private answer(event: { call: number; name: string; args: unknown[] }, webview: Webview<any> | undefined): void {
    const call = event.call;
    const fn = webview?._handler(event.name) ?? this.handlers.get(event.name);
    const direct = this._backend.direct;
    const reject = (message: string) => {
      if (direct && !this.isClosed) {
        try {
          direct.reject(call, message);
        } catch {
          // The page went away or gave up: nobody waits.
        }
        return;
      }
      this._exec('{"cmd":"reject","call":' + call + ',"message":' + JSON.stringify(message) + "}").catch(NOTHING);
    };
    const resolve = (value: unknown) => {
      let text: string;
      try {
        text = toJson(value, "the handler's result");
      } catch (error) {
        reject("handler result is not JSON: " + messageOf(error));
        return;
      }
      const failed = (error: unknown) => {
        // The page went away or gave up (NOT_FOUND): nobody waits. Too large: tell the page.
        if (error instanceof TransomError && error.code === "TRANSOM_ERROR_TOO_LARGE") reject(error.message);
      };
      if (direct && !this.isClosed) {
        try {
          direct.resolve(call, text);
        } catch (error) {
          failed(toTransomError(error));
        }
        return;
      }
      this._exec('{"cmd":"resolve","call":' + call + ',"value":' + text + "}").catch(failed);
    };
    if (!fn) {
      reject("no handler named " + event.name);
      return;
    }
    let result: unknown;
    try {
      result = fn(...(Array.isArray(event.args) ? event.args : []));
    } catch (error) {
      reject(messageOf(error));
      return;
    }
    if (result && typeof (result as any).then === "function") {
      (result as Promise<unknown>).then(resolve, (error) => reject(messageOf(error)));
    } else {
      resolve(result);
    }
  }

  /** @internal Calls page handler `name` of a webview. */
  _invoke(webview: number, name: string, args: unknown[], options: { timeout?: number; signal?: AbortSignal }): Promise<unknown> {
    let command: string;
    try {
      const quoted = checkName("handler name", name);
      const timeout = options.timeout;
      if (timeout !== undefined && !(typeof timeout === "number" && timeout > 0 && timeout <= 4294967295)) {
        throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "timeout must be a positive number of milliseconds");
      }
      options.signal?.throwIfAborted();
      command =
        '{"cmd":"invoke","webview":' + webview + ',"name":' + quoted + ',"args":' + toJson(args, "the arguments") +
        (timeout !== undefined ? ',"timeout_ms":' + Math.ceil(timeout) : "") + "}";
    } catch (error) {
      return Promise.reject(error instanceof TransomError ? error : new TransomError("TRANSOM_ERROR_CANCELLED", messageOf(error), { cause: error }));
    }
    const result = deferred<unknown>();
    this._run(command, (reply) => {
      const call = reply.call as number;
      const signal = options.signal;
      const abort = () => {
        this._run('{"cmd":"invoke.cancel","call":' + call + "}").catch(() => {});
      };
      signal?.addEventListener("abort", abort, { once: true });
      this.calls.set(call, {
        resolve: result.resolve,
        reject: result.reject,
        cleanup: () => signal?.removeEventListener("abort", abort),
      });
    }).catch(result.reject);
    return result.promise;
  }

  private pageChannel(id: number, name: string, webview: Webview<any>): void {
    const channel = new Channel<any>(this, webview, name, "page");
    channel._opened(id);
    const fn = webview._channelHandler(name) ?? this.channelHandlers.get(name);
    if (!fn) {
      channel.close();
      return;
    }
    try {
      fn(channel);
    } catch (error) {
      this.reportError(error);
    }
  }

  private hostCrashed(info: { exitCode: number | null; signal: string | null; crashes: number; restartIn: number | null }): void {
    const error = () => new TransomError("TRANSOM_ERROR_HOST_CRASHED", "transom-host crashed" + (info.signal ? ` (${info.signal})` : info.exitCode !== null ? ` (exit status ${info.exitCode})` : ""));
    for (const [id, call] of Array.from(this.calls)) {
      this.calls.delete(id);
      call.cleanup();
      call.reject(error());
    }
    for (const [id, waiting] of Array.from(this.creating)) {
      this.creating.delete(id);
      waiting.reject(error());
    }
    this.early.clear();
    this.expected.clear();
    for (const channel of Array.from(this._channels.values())) channel._finish("transom-host crashed", error());
    this.dispatch({ type: "host-crashed", ...info });
    for (const window of Array.from(this._windows.values())) {
      const webview = window.webview;
      if (webview) this.dispatch({ type: "webview-destroyed", window: window.id, webview: webview.id, reason: "host-crashed" });
      this.dispatch({ type: "window-destroyed", window: window.id, reason: "host-crashed" });
    }
    this._webviews.clear();
    if (info.restartIn === null) this.finish();
  }

  /** @internal Puts `name` on the core's handler allow-list (the `handle` command) once: page
   *  calls to names never registered are refused in the page and never reach the program. */
  _allowHandler(name: string): void {
    if (this.allowedHandlers.has(name)) return;
    this.allowedHandlers.add(name);
    this._run('{"cmd":"handle","name":' + JSON.stringify(name) + "}").catch(() => this.allowedHandlers.delete(name));
  }

  private hostRestarted(info: { restarts: number; pid: number }): void {
    // The new host starts empty: give it the handler allow-list and the shared state the
    // program knew.
    for (const name of this.allowedHandlers) this._run('{"cmd":"handle","name":' + JSON.stringify(name) + "}").catch(() => {});
    for (const [key, entry] of this.stateValues) {
      let text: string;
      try {
        text = toJson(entry.value, "the state value");
      } catch {
        continue;
      }
      this._run('{"cmd":"state.set","key":' + JSON.stringify(key) + ',"value":' + text + "}").catch(() => {});
    }
    this._backend.keepAlive(this.alive);
    this.dispatch({ type: "host-restarted", ...info });
  }

  private updateAlive(): void {
    const on = !this.isClosed && (this._windows.size > 0 || this.creating.size > 0);
    if (on !== this.alive) {
      this.alive = on;
      this._backend.keepAlive(on);
    }
  }

  /**
   * Closes every window, ends every pending call (TRANSOM_ERROR_CLOSED) and shuts the app down.
   * Resolves once the last events (webview-destroyed, window-destroyed) have been delivered.
   * Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      if (this.isClosed) return;
      try {
        await this._backend.shutdown();
      } catch (error) {
        this.reportError(error);
      }
      // Bun delivers the last callbacks after shutdown returns: wait for them, briefly.
      for (let waited = 0; waited < 2000 && (this._windows.size > 0 || this.calls.size > 0); waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      this.finish();
    })();
    return this.closing;
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const closed = () => new TransomError("TRANSOM_ERROR_CLOSED", "the app was shut down");
    for (const call of this.calls.values()) {
      call.cleanup();
      call.reject(closed());
    }
    this.calls.clear();
    for (const waiting of this.creating.values()) waiting.reject(closed());
    this.creating.clear();
    for (const channel of Array.from(this._channels.values())) channel._finish("the app was shut down", closed());
    for (const window of Array.from(this._windows.values())) window._destroyed();
    this._windows.clear();
    for (const webview of this._webviews.values()) webview._destroyed();
    this._webviews.clear();
    this.alive = false;
    try {
      this._backend.keepAlive(false);
    } catch {
      // the backend is gone already
    }
    for (const end of Array.from(this.ends)) end();
    this.ends.clear();
    this.resolveClosed();
  }
}

// ---- windows -------------------------------------------------------------------------------------

/** A native window. Its webview is made with `createWebview`. */
export class Window<S = AnyIpc> {
  /** Resolves when the window is gone (closed by the program, the user or the app). */
  readonly closed: Promise<void>;
  private view: Webview<S> | null = null;
  private isOpen = true;
  private resolveClosed!: () => void;
  private readonly listeners = new Map<string, Listeners<[any]>>();

  /** @internal */
  constructor(readonly app: App<any>, readonly id: number) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
  }

  /** Whether the window is still open. */
  get isClosed(): boolean {
    return !this.isOpen;
  }

  /** Its first webview, once created (see `createWebview` for more than one). */
  get webview(): Webview<S> | null {
    return this.view;
  }

  /** Creates a webview in the window: filling it, or in the rectangle `x`, `y`, `width`,
   *  `height` (logical pixels) of the options; a window may hold several (later ones are drawn
   *  above earlier ones). Resolves once it exists (`webview-created`). */
  async createWebview<W = S>(options: WebviewOptions = {}): Promise<Webview<W>> {
    const json = optionsJson(options, "webview options");
    let webview!: Webview<W>;
    await this.app._run('{"cmd":"webview.create","window":' + this.id + ',"options":' + json + "}", (reply) => {
      webview = new Webview<W>(this.app, this as unknown as Window<W>, reply.webview);
      if (this.view === null) this.view = webview as unknown as Webview<S>;
      this.app._webviews.set(webview.id, webview);
      this.app._expect(webview.id);
    });
    try {
      await this.app._created(webview.id);
    } catch (error) {
      this.app._webviews.delete(webview.id);
      if ((this.view as unknown) === webview) this.view = null;
      throw error;
    }
    return webview;
  }

  /** Changes window properties (only those given). */
  async set(props: WindowProps): Promise<void> {
    await this.app._run('{"cmd":"window.set","window":' + this.id + ',"props":' + optionsJson(props, "window properties") + "}");
  }

  /** Closes the window and its webview; resolves once it is gone (`window-destroyed`). */
  async close(): Promise<void> {
    if (!this.isOpen) return;
    await this.app._run('{"cmd":"window.close","window":' + this.id + "}");
    await this.closed;
  }

  /** Sends `payload` on `channel` to this window's page. */
  send<C extends keyof EventsOf<S> & string>(channel: C, payload?: EventsOf<S>[C]): Promise<void> {
    return this.app._post("window", this.id, channel, payload);
  }

  /** Calls `fn` with this window's events of `type` (`"*"`: all, including its webview's). */
  on<T extends TransomEventType>(type: T | "*", fn: (event: EventOfType<T>) => void): Unsubscribe {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Listeners(this.app._report)));
    return set.add(fn);
  }

  /** This window's events from now until it is destroyed. */
  events(): AsyncGenerator<TransomEvent, void, undefined> {
    return this.app.eventsFor(this.id);
  }

  /** @internal */
  _event(event: any): void {
    this.listeners.get(event.type)?.emit(event);
    this.listeners.get("*")?.emit(event);
  }

  /** @internal */
  _destroyed(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    if (this.view) this.view._destroyed();
    this.resolveClosed();
  }
}

// ---- webviews ------------------------------------------------------------------------------------

/** The webview of a window: its page, and the messages, calls and channels to it. */
export class Webview<S = AnyIpc> {
  private readonly messageListeners = new Map<string, Listeners<[any, any]>>();
  private readonly handlers = new Map<string, Handler>();
  private readonly channelHandlers = new Map<string, (channel: Channel<any>) => void>();
  private isOpen = true;

  /** @internal */
  constructor(readonly app: App<any>, readonly window: Window<S>, readonly id: number) {}

  /** Whether the webview still exists. */
  get isClosed(): boolean {
    return !this.isOpen;
  }

  /** Sends `data` (JSON, or bytes) on `channel` to the page: its `host.on(channel, fn)` listeners get it. */
  send<C extends keyof EventsOf<S> & string>(channel: C, data?: EventsOf<S>[C] | Bytes): Promise<void> {
    return this.app._post("webview", this.id, channel, data);
  }

  /** Calls `fn(data, event)` with each message the page sends on `channel` (`host.send`). */
  on<C extends keyof EventsOf<S> & string>(channel: C, fn: (data: EventsOf<S>[C], event: EventOfType<"message">) => void): Unsubscribe {
    checkName("channel", channel);
    let set = this.messageListeners.get(channel);
    if (!set) this.messageListeners.set(channel, (set = new Listeners(this.app._report)));
    return set.add(fn);
  }

  /** Removes a listener added with `on`. */
  off<C extends keyof EventsOf<S> & string>(channel: C, fn: (data: EventsOf<S>[C], event: EventOfType<"message">) => void): void {
    this.messageListeners.get(channel)?.delete(fn);
  }

  /** Like `on`, for the next message only. */
  once<C extends keyof EventsOf<S> & string>(channel: C, fn: (data: EventsOf<S>[C], event: EventOfType<"message">) => void): Unsubscribe {
    const off = this.on(channel, (data, event) => {
      off();
      fn(data, event);
    });
    return off;
  }

  /** Resolves with the next message the page sends on `channel`; rejects after `timeout` ms. */
  next<C extends keyof EventsOf<S> & string>(channel: C, options: { timeout?: number } = {}): Promise<EventsOf<S>[C]> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const off = this.once(channel, (data) => {
        if (timer) clearTimeout(timer);
        resolve(data);
      });
      if (options.timeout !== undefined) {
        timer = setTimeout(() => {
          off();
          reject(new TransomError("TRANSOM_ERROR_TIMEOUT", `no message on ${channel} within ${options.timeout} ms`));
        }, options.timeout);
      }
    });
  }

  /**
   * Calls the page's handler `name` (`host.handle(name, fn)`) with `args`; resolves with its
   * value. Options go last, made with `invokeOptions({ timeout, signal })`; a plain object is
   * always an argument. Rejects with TRANSOM_ERROR_REJECTED (the handler threw, or no handler
   * has that name), TRANSOM_ERROR_TIMEOUT, TRANSOM_ERROR_CANCELLED, TRANSOM_ERROR_NOT_FOUND (the
   * page went away) or TRANSOM_ERROR_CLOSED.
   */
  invoke<N extends keyof PageHandlersOf<S> & string>(
    name: N,
    ...args: ArgsOf<PageHandlersOf<S>, N> | [...ArgsOf<PageHandlersOf<S>, N>, InvokeOptions]
  ): Promise<ResultOf<PageHandlersOf<S>, N>> {
    let options: InvokeOptions | undefined;
    if (args.length > 0 && isInvokeOptions(args[args.length - 1])) options = args.pop() as InvokeOptions;
    return this.app._invoke(this.id, name, args, options ?? {}) as Promise<ResultOf<PageHandlersOf<S>, N>>;
  }

  /** Like `invoke`, with options first (as the page's `host.invokeWith`). */
  invokeWith<N extends keyof PageHandlersOf<S> & string>(
    options: { timeout?: number; signal?: AbortSignal },
    name: N,
    ...args: ArgsOf<PageHandlersOf<S>, N>
  ): Promise<ResultOf<PageHandlersOf<S>, N>> {
    return this.app._invoke(this.id, name, args, options ?? {}) as Promise<ResultOf<PageHandlersOf<S>, N>>;
  }

  /**
   * Answers the page's `host.invoke(name, ...args)` with `fn(...args)` (sync or async). A thrown
   * error rejects the page's call with its message; a name with no handler (here or
   * `app.handle`) rejects with "no handler named NAME". Returns a function that removes it.
   */
  handle<N extends keyof HandlersOf<S> & string>(
    name: N,
    fn: (...args: ArgsOf<HandlersOf<S>, N>) => ResultOf<HandlersOf<S>, N> | Promise<ResultOf<HandlersOf<S>, N>>,
  ): Unsubscribe {
    checkName("handler name", name);
    if (typeof fn !== "function") throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "handler must be a function");
    this.app._allowHandler(name);
    this.handlers.set(name, fn as Handler);
    return () => {
      if (this.handlers.get(name) === fn) this.handlers.delete(name);
    };
  }

  /**
   * Opens a channel `name` to the page, which takes it with `host.onChannel(name, fn)` (a page
   * without such a handler closes it). Usable at once; sends wait until it is open.
   */
  channel<N extends keyof ChannelsOf<S> & string>(name: N): Channel<ChannelsOf<S>[N]> {
    const quoted = checkName("channel name", name);
    const channel = new Channel<ChannelsOf<S>[N]>(this.app, this, name, "program");
    this.app
      ._run('{"cmd":"channel.open","webview":' + this.id + ',"name":' + quoted + "}", (reply) => channel._opened(reply.channel))
      .catch((error) => channel._finish("opening failed: " + messageOf(error), error));
    return channel;
  }

  /** Takes the channels the page opens with `host.channel(name)`. A channel opened with no
   *  handler (here or `app.onChannel`) is closed at once. */
  onChannel<N extends keyof ChannelsOf<S> & string>(name: N, fn: (channel: Channel<ChannelsOf<S>[N]>) => void): Unsubscribe {
    checkName("channel name", name);
    this.channelHandlers.set(name, fn);
    return () => {
      if (this.channelHandlers.get(name) === fn) this.channelHandlers.delete(name);
    };
  }

  /** Runs `script` in the page (after what was sent before it). Its value is not returned:
   *  use `invoke` for that. */
  async eval(script: string): Promise<void> {
    if (typeof script !== "string") throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", "script must be a string");
    await this.app._run('{"cmd":"webview.eval","webview":' + this.id + ',"script":' + JSON.stringify(script) + "}");
  }

  /** Loads `url`; calls pending in the current page are rejected. */
  async navigate(url: string): Promise<void> {
    await this.app._run('{"cmd":"webview.navigate","webview":' + this.id + ',"url":' + JSON.stringify(String(url)) + "}");
  }

  /** Moves, resizes, shows or hides the webview (`webview.set`): `x`, `y`, `width`, `height`
   *  together (logical pixels in the window's content area), or `fill: true`; `visible`. Only the
   *  fields given change. Rejects with `TRANSOM_ERROR_INVALID_ARGUMENT` for incomplete bounds. */
  async set(props: WebviewProps): Promise<void> {
    await this.app._run('{"cmd":"webview.set","webview":' + this.id + ',"props":' + optionsJson(props, "webview properties") + "}");
  }

  /** @internal */
  _message(channel: string, payload: unknown, event: unknown): void {
    this.messageListeners.get(channel)?.emit(payload, event);
  }

  /** @internal */
  _handler(name: string): Handler | undefined {
    return this.handlers.get(name);
  }

  /** @internal */
  _channelHandler(name: string): ((channel: Channel<any>) => void) | undefined {
    return this.channelHandlers.get(name);
  }

  /** @internal */
  _destroyed(): void {
    this.isOpen = false;
  }
}

// ---- channels ----------------------------------------------------------------------------------

/**
 * An ordered stream between the program and one page, closed by either side. `send` respects the
 * page: while 4 MiB are in flight it waits (TRANSOM_ERROR_WOULD_BLOCK, then `channel-ready`).
 * Iterate it (`for await (const message of channel)`) or listen with `on("message", fn)`; messages
 * that come before either are kept. Bytes sent by the page arrive as Uint8Array.
 */
export class Channel<T = any> implements AsyncIterable<T> {
  /** Resolves with the reason when the channel closes. */
  readonly closed: Promise<{ reason: string }>;
  private channelId = 0;
  private isOpen = true;
  private blockedCount = 0;
  private readonly sends: PendingSend[] = [];
  private pumping = false;
  private readyFlag = false;
  private readyWaiter: (() => void) | null = null;
  private whenOpened = deferred<void>();
  private readonly inbox: unknown[] = [];
  private readonly messageListeners: Listeners<[T]>;
  private readonly closeListeners: Listeners<[string]>;
  private resolveClosed!: (value: { reason: string }) => void;

  /** @internal */
  constructor(
    private readonly app: App<any>,
    /** The webview of the page at the other end. */
    readonly webview: Webview<any>,
    /** The channel's name. */
    readonly name: string,
    /** Who opened it. */
    readonly openedBy: "program" | "page",
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.messageListeners = new Listeners(app._report);
    this.closeListeners = new Listeners(app._report);
    this.whenOpened.promise.catch(() => {});
  }

  /** The id the library knows the channel by (0 until it is open). */
  get id(): number {
    return this.channelId;
  }

  /** Whether the channel is closed. */
  get isClosed(): boolean {
    return !this.isOpen;
  }

  /** How many times a send found the page behind (TRANSOM_ERROR_WOULD_BLOCK) and waited. */
  get waits(): number {
    return this.blockedCount;
  }

  /**
   * Sends `data` (JSON, or bytes). Resolves once the library took it; waits while the page is
   * behind. Rejects when the channel closes first, or for data that cannot go (too large, not
   * JSON). Sends go out in the order of the calls.
   */
  send(data: T | Bytes): Promise<void> {
    if (!this.isOpen) return Promise.reject(new TransomError("TRANSOM_ERROR_NOT_FOUND", `channel ${this.name} is closed`));
    // In-process with nothing waiting: send now.
    if (this.channelId && !this.pumping && this.sends.length === 0 && this.app.mode === "in-process") {
      try {
        this.sendNow(data);
        return Promise.resolve();
      } catch (error) {
        const e = toTransomError(error);
        if (e.code !== "TRANSOM_ERROR_WOULD_BLOCK") return Promise.reject(e);
        this.blockedCount++;
        this.readyFlag = false;
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.sends.push({ data, resolve, reject });
      void this.pump();
    });
  }

  /** Sends one message; returns (or throws) synchronously in-process. */
  private sendNow(data: unknown): void | Promise<unknown> {
    const bytes = asBytes(data);
    if (bytes) return this.app._backend.channelSendBytes(this.channelId, bytes) as void | Promise<void>;
    const payload = toJson(data, "the message");
    const direct = this.app._backend.direct;
    if (direct && !this.app.isClosedNow) return direct.channelSend(this.channelId, payload);
    return this.app._runNow('{"cmd":"channel.send","channel":' + this.channelId + ',"payload":' + payload + "}") as any;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.whenOpened.promise;
      while (this.sends.length > 0 && this.isOpen) {
        const next = this.sends[0];
        this.readyFlag = false;
        try {
          await this.sendNow(next.data);
          this.sends.shift();
          next.resolve();
        } catch (error) {
          const e = toTransomError(error);
          if (e.code === "TRANSOM_ERROR_WOULD_BLOCK") {
            this.blockedCount++;
            if (!this.readyFlag) await new Promise<void>((resolve) => (this.readyWaiter = resolve));
            continue;
          }
          this.sends.shift();
          next.reject(e);
        }
      }
    } catch {
      // Opening failed: _finish rejected the sends.
    } finally {
      this.pumping = false;
    }
  }

  /** Calls `fn` with each message from the page; `"close"`: with the reason when it closes. */
  on(event: "message", fn: (data: T) => void): Unsubscribe;
  on(event: "close", fn: (reason: string) => void): Unsubscribe;
  on(event: "message" | "close", fn: (value: any) => void): Unsubscribe {
    if (event === "close") return this.closeListeners.add(fn);
    if (event !== "message") throw new TransomError("TRANSOM_ERROR_INVALID_ARGUMENT", 'channel events are "message" and "close"');
    const off = this.messageListeners.add(fn);
    for (const data of this.inbox.splice(0)) this.messageListeners.emit(data as T);
    return off;
  }

  /** Closes the channel; the page's side closes too ("closed by the program"). */
  async close(): Promise<void> {
    if (!this.isOpen) return;
    const id = this.channelId;
    this._finish("closed by the program");
    // Without an id yet, _opened closes it when the id comes.
    if (id) await this.app._run('{"cmd":"channel.close","channel":' + id + "}").catch(() => {});
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return stream<T>((push, end) => {
      const off = this.on("message", push);
      if (!this.isOpen) end();
      const offClose = this.closeListeners.add(() => end());
      return () => {
        off();
        offClose();
      };
    });
  }

  /** @internal */
  _opened(id: number): void {
    this.channelId = id;
    this.app._channels.set(id, this);
    this.whenOpened.resolve();
    if (!this.isOpen) {
      // Closed before the library gave it an id.
      this.app._run('{"cmd":"channel.close","channel":' + id + "}").catch(() => {});
      this.app._channels.delete(id);
    }
  }

  /** @internal */
  _deliver(data: unknown): void {
    if (this.messageListeners.size === 0) this.inbox.push(data);
    else this.messageListeners.emit(data as T);
  }

  /** @internal */
  _ready(): void {
    this.readyFlag = true;
    const waiter = this.readyWaiter;
    this.readyWaiter = null;
    waiter?.();
  }

  /** @internal */
  _finish(reason: string, error?: unknown): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    if (this.channelId) this.app._channels.delete(this.channelId);
    const failure = error ?? new TransomError("TRANSOM_ERROR_NOT_FOUND", `channel ${this.name} closed: ${reason}`);
    for (const pending of this.sends.splice(0)) pending.reject(failure);
    this.whenOpened.reject(failure);
    this._ready();
    this.closeListeners.emit(reason);
    this.resolveClosed({ reason });
  }
}

export type { Json };
