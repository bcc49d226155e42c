/**
 * Splitting a byte stream into lines (the host protocol's JSON lines), in time linear in the
 * input however long a line is: each chunk is searched once, the pieces of a line that spans many
 * chunks are kept as they came and joined once when its end arrives. (A line of 100 MiB of base64
 * comes in thousands of chunks.)
 */
import { Buffer } from "node:buffer";
const NEWLINE = 10;
function asBuffer(bytes) {
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
export class LineSplitter {
    /** The bytes of the line not yet ended, as they came. */
    pieces = [];
    pending = 0;
    /** Bytes held for a line whose end has not come yet. */
    get buffered() {
        return this.pending;
    }
    /**
     * Takes the next chunk of the stream and appends the lines it completes to `lines` (without
     * their `\n`; UTF-8 decoded). The chunk is kept, not copied, while its line is open: do not
     * reuse its memory.
     */
    push(chunk, lines) {
        const bytes = asBuffer(chunk);
        const last = bytes.lastIndexOf(NEWLINE);
        if (last < 0) {
            if (bytes.length > 0) {
                this.pieces.push(bytes);
                this.pending += bytes.length;
            }
            return;
        }
        let text;
        if (this.pieces.length > 0) {
            this.pieces.push(bytes.subarray(0, last));
            text = Buffer.concat(this.pieces, this.pending + last).toString("utf8");
            this.pieces = [];
            this.pending = 0;
        }
        else {
            text = bytes.toString("utf8", 0, last);
        }
        // A newline byte never occurs inside a UTF-8 sequence, so the text splits where the bytes do.
        let start = 0;
        for (;;) {
            const end = text.indexOf("\n", start);
            if (end < 0)
                break;
            lines.push(text.slice(start, end));
            start = end + 1;
        }
        lines.push(start === 0 ? text : text.slice(start));
        if (last + 1 < bytes.length) {
            this.pieces.push(bytes.subarray(last + 1));
            this.pending = bytes.length - last - 1;
        }
    }
}
