/**
 * Errors of the transom package: every failure is a {@link TransomError} with a `code`.
 *
 * Codes named after the C API's result codes (include/transom.h, docs/protocol.md "Result codes")
 * come from the library or `transom-host`. The package adds four of its own:
 *
 * - `TRANSOM_ERROR_REJECTED`: the page's handler threw or rejected, or the page has no handler of
 *   that name (`webview.invoke`); the message is the page's.
 * - `TRANSOM_ERROR_HOST_CRASHED`: `transom-host` died (or is restarting) while the call was pending.
 * - `TRANSOM_ERROR_NOT_AVAILABLE`: the chosen backend cannot run here: the native library, the
 *   Node addon or `transom-host` was not found or does not load (`start`).
 * - `TRANSOM_ERROR_PROTOCOL`: `transom-host` wrote something that does not follow the protocol.
 */
/** The codes a {@link TransomError} can carry. */
export type TransomErrorCode = "TRANSOM_ERROR_NULL_ARGUMENT" | "TRANSOM_ERROR_INVALID_UTF8" | "TRANSOM_ERROR_INVALID_JSON" | "TRANSOM_ERROR_INVALID_ARGUMENT" | "TRANSOM_ERROR_NOT_FOUND" | "TRANSOM_ERROR_CLOSED" | "TRANSOM_ERROR_TIMEOUT" | "TRANSOM_ERROR_TOO_LARGE" | "TRANSOM_ERROR_UNSUPPORTED" | "TRANSOM_ERROR_PLATFORM" | "TRANSOM_ERROR_PANIC" | "TRANSOM_ERROR_WOULD_BLOCK" | "TRANSOM_ERROR_CANCELLED" | "TRANSOM_ERROR_REJECTED" | "TRANSOM_ERROR_HOST_CRASHED" | "TRANSOM_ERROR_NOT_AVAILABLE" | "TRANSOM_ERROR_PROTOCOL";
/** A failed transom operation. `code` says what kind of failure; `message` the detail. */
export declare class TransomError extends Error {
    /** What kind of failure this is (see {@link TransomErrorCode}). */
    readonly code: TransomErrorCode;
    constructor(code: TransomErrorCode, message: string, options?: {
        cause?: unknown;
    });
}
/** Result code numbers of the C API, for the FFI backends. */
export declare const RESULT_NAMES: readonly TransomErrorCode[];
/** Turns `"TRANSOM_ERROR_NAME: detail"` (the library's message format) into a TransomError. */
export declare function fromMessage(text: string, fallback?: TransomErrorCode): TransomError;
/** A TransomError from anything thrown (an Error with a `"NAME: detail"` message, usually). */
export declare function toTransomError(error: unknown): TransomError;
/** The message of anything thrown. */
export declare function messageOf(error: unknown): string;
