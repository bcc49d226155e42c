/**
 * What the core (app.ts) needs from a backend: run host-protocol commands, send bytes, deliver
 * events, keep the runtime alive while windows are open, shut down. Four backends implement it:
 * Bun (bun:ffi), Deno (Deno.dlopen), Node (the napi-rs addon) and host (transom-host over pipes).
 */
import type { RuntimeName } from "./runtime.ts";
/** Where a backend delivers what happens. */
export interface BackendSink {
    /** One event: its JSON text and, for a binary message, its bytes. In order. */
    event(json: string, bytes?: Uint8Array): void;
    /** Host mode: the host died. `restartIn` is the delay before the next one, or null (given up). */
    crashed(info: {
        exitCode: number | null;
        signal: string | null;
        crashes: number;
        restartIn: number | null;
    }): void;
    /** Host mode: a new host runs. */
    restarted(info: {
        restarts: number;
        pid: number;
    }): void;
}
export interface Backend {
    readonly mode: "in-process" | "host";
    readonly runtime: RuntimeName;
    /** The library version (`MAJOR.MINOR.PATCH`). */
    readonly version: string;
    /** Host mode: the host's process id. */
    readonly pid?: number;
    /**
     * Runs one command (docs/protocol.md) given as JSON text without `req`, and gives the reply's
     * JSON text. In-process backends answer synchronously (a string, or a thrown TransomError);
     * the host backend with a Promise, and calls `onReply` with the reply text synchronously when
     * it reads it, before it hands on any event written after it (so the core learns new ids
     * before their events).
     */
    run(command: string, onReply?: (reply: string) => void): string | Promise<string>;
    /**
     * In-process backends call the library directly for the frequent commands (no command or reply
     * JSON); each throws a TransomError. Without them the core uses `run`.
     */
    direct?: {
        /** `payload` (JSON text) on `channel` to a webview (0: all) or to a window's webview. */
        post(target: "webview" | "window", id: number, channel: string, payload: string): void;
        resolve(call: number, value: string): void;
        reject(call: number, message: string): void;
        channelSend(channel: number, payload: string): void;
    };
    /** Bytes to the page of `webview` (0: every webview) on `channel`. */
    postBytes(webview: number, channel: string, bytes: Uint8Array): void | Promise<void>;
    /** Bytes through channel `channel` (TRANSOM_ERROR_WOULD_BLOCK while the page is behind). */
    channelSendBytes(channel: number, bytes: Uint8Array): void | Promise<void>;
    /** Whether the runtime should stay alive for this app's events (true while windows are open). */
    keepAlive(on: boolean): void;
    /** Shuts the app down. Resolves once every event up to the end has been given to the sink. */
    shutdown(): Promise<void>;
}
/** What each backend module exports. */
export type BackendFactory = (sink: BackendSink, options: {
    optionsJson: string | null;
    path?: string;
}) => Promise<Backend>;
