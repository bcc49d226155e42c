// Types of `window.host`, the API transom gives every page it shows (main frame only).
// Include this file in a page's TypeScript build, or copy it; payloads travel as JSON.

/** A JSON value: what can travel between the program and a page. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Removes the listener or handler it was returned for. */
export type Unsubscribe = () => void;

/**
 * The page side of transom's message layer. Defined before the page's own scripts run, in the
 * main frame of every page of a transom webview.
 *
 * Type parameters let a page declare its protocol once:
 * - `Events`: channel name -> payload type, both directions.
 * - `Handlers`: program handler name -> function type, for `invoke`.
 */
export interface TransomHost<
  Events extends Record<string, unknown> = Record<string, any>,
  Handlers extends Record<string, (...args: any[]) => unknown> = Record<string, (...args: any[]) => any>,
> {
  /**
   * Sends `data` (JSON-serialisable; `undefined` becomes `null`) on `channel` to the program, which
   * gets a `message` event. Everything sent in one task goes to the program in one post, in order.
   * An `ArrayBuffer` or typed array goes as bytes (the event has `bytes` instead of `payload`).
   * Throws a TypeError for a bad channel name or data JSON.stringify cannot encode, and a
   * RangeError for data larger than the app's `max_message_bytes`.
   */
  send<C extends keyof Events & string>(channel: C, data?: Events[C] | ArrayBuffer | ArrayBufferView): void;

  /** Calls `fn` with each message the program sends on `channel`. Returns an unsubscribe function. */
  on<C extends keyof Events & string>(channel: C, fn: (data: Events[C]) => void): Unsubscribe;

  /** Removes a listener added with `on`. */
  off<C extends keyof Events & string>(channel: C, fn: (data: Events[C]) => void): void;

  /** Like `on`, for the next message only. Returns an unsubscribe function. */
  once<C extends keyof Events & string>(channel: C, fn: (data: Events[C]) => void): Unsubscribe;

  /**
   * Calls the program's handler `name` with `args`. Resolves with the program's value; rejects
   * with an Error carrying the program's message.
   */
  invoke<N extends keyof Handlers & string>(
    name: N,
    ...args: Parameters<Handlers[N]>
  ): Promise<Awaited<ReturnType<Handlers[N]>>>;

  /**
   * Like `invoke`, with options. `timeout` (milliseconds, > 0): when no answer came in that time,
   * the Promise rejects with "invoke NAME timed out after N ms" and the program gets an
   * `invoke-cancelled` event; its late answer is dropped.
   */
  invokeWith<N extends keyof Handlers & string>(
    options: { timeout?: number },
    name: N,
    ...args: Parameters<Handlers[N]>
  ): Promise<Awaited<ReturnType<Handlers[N]>>>;

  /**
   * Answers the program's `transom_invoke(name, args)` calls with `fn(...args)` (sync or async).
   * A thrown error rejects the program's call with its message; a name with no handler rejects
   * with "no handler named NAME". Returns a function that removes the handler.
   */
  handle(name: string, fn: (...args: any[]) => unknown): Unsubscribe;

  /** Opens a channel `name` to the program (it gets a `channel-open` event). */
  channel<T = Json>(name: string): TransomChannel<T>;

  /** Takes the channels the program opens with `transom_channel_open(app, webview, name)`. A
   *  channel opened with no handler for its name is closed at once. */
  onChannel<T = Json>(name: string, fn: (channel: TransomChannel<T>) => void): Unsubscribe;

  /**
   * The app's shared state: read a key with `host.state.key`, write it with
   * `host.state.key = value` (JSON-serialisable). Every webview of the app and the program see
   * every change; concurrent writes settle on the one the library ordered last. Keys cannot be
   * deleted (set them to null).
   */
  readonly state: Record<string, Json | undefined>;

  /** Calls `fn(value, old)` whenever the page's view of `key` changes, including its own writes. */
  watchState(key: string, fn: (value: Json, old: Json | undefined) => void): Unsubscribe;

  /**
   * Sees every ipc error of this page: its invokes rejected (`kind` "invoke"), timed out
   * ("timeout"), messages the library dropped ("dropped"), bytes that failed ("bytes"). Without
   * listeners they are logged to the console.
   */
  onError(fn: (error: TransomIpcError) => void): Unsubscribe;
}

/** An ipc error reported through `host.onError`. */
export interface TransomIpcError extends Error {
  kind: "invoke" | "timeout" | "dropped" | "bytes";
  /** The handler name, for "invoke" and "timeout". */
  handler?: string;
}

/**
 * An ordered stream between the page and the program, closed by either side. Sends respect the
 * receiver: at most 4 MiB may be in flight, and `send` resolves only once its message is on its
 * way. Bytes (`ArrayBuffer`, typed arrays) arrive on the other side as bytes.
 */
export interface TransomChannel<T = Json> extends AsyncIterable<T> {
  readonly name: string;
  /** The id the program knows the channel by (0 until the program has acknowledged the open). */
  readonly id: number;
  readonly isOpen: boolean;
  /** Resolves with the reason when the channel closes. */
  readonly closed: Promise<{ reason: string }>;
  /** Sends `data`; resolves when it is on its way (waits while the program is behind); rejects
   *  when the channel is closed or `data` is too large. */
  send(data: T | ArrayBuffer | ArrayBufferView): Promise<void>;
  /** Messages from the program (kept until the first "message" listener), and the close. */
  on(event: "message", fn: (data: T) => void): Unsubscribe;
  on(event: "close", fn: (reason: string) => void): Unsubscribe;
  close(): void;
}

declare global {
  interface Window {
    /** transom's bridge to the program (absent in sub-frames). */
    readonly host: TransomHost;
  }
  const host: TransomHost;
}
