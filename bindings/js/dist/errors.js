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
/** A failed transom operation. `code` says what kind of failure; `message` the detail. */
export class TransomError extends Error {
    /** What kind of failure this is (see {@link TransomErrorCode}). */
    code;
    constructor(code, message, options) {
        super(message, options);
        this.name = "TransomError";
        this.code = code;
    }
}
/** Result code numbers of the C API, for the FFI backends. */
export const RESULT_NAMES = [
    "TRANSOM_ERROR_NULL_ARGUMENT", // 0 is TRANSOM_OK and never an error; index 0 is unused
    "TRANSOM_ERROR_NULL_ARGUMENT",
    "TRANSOM_ERROR_INVALID_UTF8",
    "TRANSOM_ERROR_INVALID_JSON",
    "TRANSOM_ERROR_INVALID_ARGUMENT",
    "TRANSOM_ERROR_NOT_FOUND",
    "TRANSOM_ERROR_CLOSED",
    "TRANSOM_ERROR_TIMEOUT",
    "TRANSOM_ERROR_TOO_LARGE",
    "TRANSOM_ERROR_UNSUPPORTED",
    "TRANSOM_ERROR_PLATFORM",
    "TRANSOM_ERROR_PANIC",
    "TRANSOM_ERROR_WOULD_BLOCK",
    "TRANSOM_ERROR_CANCELLED",
];
/** Turns `"TRANSOM_ERROR_NAME: detail"` (the library's message format) into a TransomError. */
export function fromMessage(text, fallback = "TRANSOM_ERROR_PLATFORM") {
    const match = /^(TRANSOM_ERROR_[A-Z0-9_]+): ?([\s\S]*)$/.exec(text);
    if (match)
        return new TransomError(match[1], match[2]);
    return new TransomError(fallback, text);
}
/** A TransomError from anything thrown (an Error with a `"NAME: detail"` message, usually). */
export function toTransomError(error) {
    if (error instanceof TransomError)
        return error;
    const text = error instanceof Error ? error.message : String(error);
    const converted = fromMessage(text);
    if (error instanceof Error && converted.code === "TRANSOM_ERROR_PLATFORM" && !/^TRANSOM_ERROR_/.test(text)) {
        return new TransomError("TRANSOM_ERROR_PLATFORM", text, { cause: error });
    }
    return converted;
}
/** The message of anything thrown. */
export function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}
