/** The JavaScript runtime this package runs in. */
export type RuntimeName = "bun" | "deno" | "node";
/** Which runtime runs this code. */
export declare function runtimeName(): RuntimeName;
/** An environment variable, or undefined (also when Deno may not read it). */
export declare function env(name: string): string | undefined;
/** The folder of this package (`bindings/js` in a checkout). */
export declare function packageDir(): string;
/** libtransom for Bun and Deno: `library` option, `TRANSOM_LIBRARY`, bundled, checkout; else the
 *  bare file name, which the system's loader looks up (`LD_LIBRARY_PATH`, ldconfig). */
export declare function findLibrary(override?: string): string;
/** The Node addon: `addon` option, `TRANSOM_NODE_ADDON`, bundled `native/transom.node` (or the
 *  release archives' `transom.PLATFORM.node`, e.g. `transom.linux-x64.node`), checkout. */
export declare function findAddon(override?: string): string | undefined;
/** transom-host: `host` option, `TRANSOM_HOST`, bundled, checkout, then `PATH`. */
export declare function findHost(override?: string): string | undefined;
