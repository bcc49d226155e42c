/**
 * What the two FFI backends (bun.ts: `bun:ffi`, deno.ts: `Deno.dlopen`) share: the C functions of
 * libtransom they call, reading an event, and the commands (host-protocol JSON, the direct calls,
 * bytes). Each backend brings its runtime's way of declaring symbols, reading C memory and hearing
 * of events.
 */
import type { Backend } from "../backend.ts";
import { fromMessage } from "../errors.ts";
/** C types as both runtimes know them (`buffer`: a Uint8Array or other typed array). */
export type CType = "pointer" | "buffer" | "function" | "u32" | "i32" | "u64" | "usize" | "void";
export interface CFunction {
    parameters: readonly CType[];
    result: CType;
    /** Waits for the GUI thread (Deno runs these on a worker thread). */
    waits?: boolean;
}
/** The functions of libtransom the FFI backends use (include/transom.h). */
export declare const FUNCTIONS: {
    transom_app_new: {
        parameters: "buffer"[];
        result: "u32";
    };
    transom_app_shutdown: {
        parameters: "pointer"[];
        result: "u32";
        waits: true;
    };
    transom_app_free: {
        parameters: "pointer"[];
        result: "void";
        waits: true;
    };
    transom_last_error_message: {
        parameters: never[];
        result: "pointer";
    };
    transom_version: {
        parameters: never[];
        result: "pointer";
    };
    transom_send_json: {
        parameters: ("pointer" | "buffer")[];
        result: "u32";
    };
    transom_string_free: {
        parameters: "pointer"[];
        result: "void";
    };
    transom_event_next: {
        parameters: ("pointer" | "buffer" | "i32")[];
        result: "u32";
    };
    transom_event_json: {
        parameters: "pointer"[];
        result: "pointer";
    };
    transom_event_bytes: {
        parameters: ("pointer" | "buffer")[];
        result: "pointer";
    };
    transom_event_free: {
        parameters: "pointer"[];
        result: "void";
    };
    transom_set_event_callback: {
        parameters: ("function" | "pointer")[];
        result: "u32";
    };
    transom_set_event_notify: {
        parameters: ("function" | "pointer")[];
        result: "u32";
    };
    transom_post_bytes: {
        parameters: ("pointer" | "buffer" | "u64" | "usize")[];
        result: "u32";
    };
    transom_channel_send_bytes: {
        parameters: ("pointer" | "buffer" | "u64" | "usize")[];
        result: "u32";
    };
    transom_post: {
        parameters: ("pointer" | "buffer" | "u64")[];
        result: "u32";
    };
    transom_post_window: {
        parameters: ("pointer" | "buffer" | "u64")[];
        result: "u32";
    };
    transom_resolve: {
        parameters: ("pointer" | "buffer" | "u64")[];
        result: "u32";
    };
    transom_reject: {
        parameters: ("pointer" | "buffer" | "u64")[];
        result: "u32";
    };
    transom_channel_send: {
        parameters: ("pointer" | "buffer" | "u64")[];
        result: "u32";
    };
};
export type FunctionName = keyof typeof FUNCTIONS;
/** Result codes the backends look at. */
export declare const OK = 0;
export declare const CLOSED = 6;
export declare const TIMEOUT = 7;
/** What a backend gives the shared code: the bound functions and C memory access. `P` is its
 *  pointer type (Bun: number, Deno: a pointer object); null is NULL. */
export interface Native<P> {
    /** The functions of FUNCTIONS, bound (those that wait may return Promises). */
    readonly fn: Record<FunctionName, (...args: any[]) => any>;
    /** The NUL-terminated UTF-8 text at `p` ("" for NULL). */
    text(p: P | null): string;
    /** A copy of `n` bytes at `p`. */
    copy(p: P, n: number): Uint8Array;
    /** A pointer from an address (an out-parameter's value). */
    pointer(address: bigint): P | null;
}
/** `text` as a NUL-terminated UTF-8 C string. */
export declare function cstring(text: string): Uint8Array;
/** The calling thread's last error as a TransomError. */
export declare function lastError<P>(native: Native<P>): ReturnType<typeof fromMessage>;
/** Creates an app (options: app options JSON, or null); throws the library's error. */
export declare function newApp<P>(native: Native<P>, optionsJson: string | null): P;
/**
 * Reads events: `read(event)` gives its JSON text and, for a binary message, a copy of its bytes,
 * and frees it.
 */
export declare function eventReader<P>(native: Native<P>): (event: P) => [string, Uint8Array | undefined];
/** The commands of an in-process backend on `app`: everything but events and the app's life. */
export declare function commands<P>(native: Native<P>, app: P): Pick<Backend, "run" | "direct" | "postBytes" | "channelSendBytes">;
