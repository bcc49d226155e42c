/**
 * What differs between Bun, Deno and Node outside FFI: which runtime this is, environment
 * variables, and finding the native files. Files and processes use the `node:` modules, which all
 * three runtimes provide.
 */
import { existsSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { TransomError } from "./errors.js";
const globals = globalThis;
/** Which runtime runs this code. */
export function runtimeName() {
    if (typeof globals.Bun !== "undefined")
        return "bun";
    if (typeof globals.Deno !== "undefined" && typeof globals.Deno.dlopen === "function")
        return "deno";
    return "node";
}
/** An environment variable, or undefined (also when Deno may not read it). */
export function env(name) {
    try {
        const value = process.env[name];
        return value === "" ? undefined : value;
    }
    catch {
        return undefined;
    }
}
function isFile(path) {
    try {
        return existsSync(path) && statSync(path).isFile();
    }
    catch {
        return false;
    }
}
/** The folder of this package (`bindings/js` in a checkout). */
export function packageDir() {
    // src/runtime.ts or dist/runtime.js: the package is one level up.
    return resolve(dirname(fileURLToPath(import.meta.url)), "..");
}
/** `target/` folders of transom checkouts above `start`: a folder with Cargo.toml and include/transom.h. */
function checkoutTargets(start) {
    const found = [];
    let dir = resolve(start);
    for (;;) {
        if (isFile(join(dir, "Cargo.toml")) && isFile(join(dir, "include", "transom.h"))) {
            found.push(env("CARGO_TARGET_DIR") ? resolve(dir, env("CARGO_TARGET_DIR")) : join(dir, "target"));
            break;
        }
        const parent = dirname(dir);
        if (parent === dir)
            break;
        dir = parent;
    }
    return found;
}
function platformName(linux, mac, windows) {
    return process.platform === "win32" ? windows : process.platform === "darwin" ? mac : linux;
}
/** `target/release/NAME` and `target/debug/NAME` of a checkout above the package, then of one
 *  above the working directory (pairs, in that order). */
function candidates(built) {
    const list = [];
    let cwd;
    try {
        cwd = process.cwd();
    }
    catch {
        cwd = undefined;
    }
    const targets = [...checkoutTargets(packageDir()), ...(cwd ? checkoutTargets(cwd) : [])];
    for (const target of new Set(targets))
        list.push(join(target, "release", built), join(target, "debug", built));
    return list;
}
function modified(path) {
    try {
        return statSync(path).mtimeMs;
    }
    catch {
        return 0;
    }
}
function find(what, override, variable, bundled, built) {
    const explicit = override ?? env(variable);
    if (explicit) {
        if (!isFile(explicit))
            throw new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `${what}: ${explicit} (from ${override ? "options" : variable}) is not a file`);
        return explicit;
    }
    const inPackage = bundled.map((name) => join(packageDir(), "native", name)).find(isFile);
    if (inPackage)
        return inPackage;
    // A checkout: the newer of target/release and target/debug.
    const list = candidates(built);
    for (let i = 0; i < list.length; i += 2) {
        const present = list.slice(i, i + 2).filter(isFile).sort((a, b) => modified(b) - modified(a));
        if (present.length)
            return present[0];
    }
    return undefined;
}
/** libtransom for Bun and Deno: `library` option, `TRANSOM_LIBRARY`, bundled, checkout; else the
 *  bare file name, which the system's loader looks up (`LD_LIBRARY_PATH`, ldconfig). */
export function findLibrary(override) {
    const name = platformName("libtransom.so", "libtransom.dylib", "transom.dll");
    return find("the transom library", override, "TRANSOM_LIBRARY", [name], name) ?? name;
}
/** The Node addon: `addon` option, `TRANSOM_NODE_ADDON`, bundled `native/transom.node` (or the
 *  release archives' `transom.PLATFORM.node`, e.g. `transom.linux-x64.node`), checkout. */
export function findAddon(override) {
    const built = platformName("libtransom_node.so", "libtransom_node.dylib", "transom_node.dll");
    const os = platformName("linux", "macos", "windows");
    const platform = `${os}-${process.arch === "arm64" ? "arm64" : "x64"}`;
    return find("the transom Node addon", override, "TRANSOM_NODE_ADDON", ["transom.node", `transom.${platform}.node`], built);
}
/** transom-host: `host` option, `TRANSOM_HOST`, bundled, checkout, then `PATH`. */
export function findHost(override) {
    const name = platformName("transom-host", "transom-host", "transom-host.exe");
    const found = find("transom-host", override, "TRANSOM_HOST", [name], name);
    if (found)
        return found;
    for (const dir of (env("PATH") ?? "").split(delimiter)) {
        if (dir && isFile(join(dir, name)))
            return join(dir, name);
    }
    return undefined;
}
