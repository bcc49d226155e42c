export declare class LineSplitter {
    /** The bytes of the line not yet ended, as they came. */
    private pieces;
    private pending;
    /** Bytes held for a line whose end has not come yet. */
    get buffered(): number;
    /**
     * Takes the next chunk of the stream and appends the lines it completes to `lines` (without
     * their `\n`; UTF-8 decoded). The chunk is kept, not copied, while its line is open: do not
     * reuse its memory.
     */
    push(chunk: Uint8Array, lines: string[]): void;
}
