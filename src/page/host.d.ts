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
   * Throws a TypeError for an empty channel or data JSON.stringify cannot encode.
   */
  send<C extends keyof Events & string>(channel: C, data?: Events[C]): void;

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
   * Answers the program's `transom_invoke(name, args)` calls with `fn(...args)` (sync or async).
   * A thrown error rejects the program's call with its message; a name with no handler rejects
   * with "no handler named NAME". Returns a function that removes the handler.
   */
  handle(name: string, fn: (...args: any[]) => unknown): Unsubscribe;
}

declare global {
  interface Window {
    /** transom's bridge to the program (absent in sub-frames). */
    readonly host: TransomHost;
  }
  const host: TransomHost;
}
