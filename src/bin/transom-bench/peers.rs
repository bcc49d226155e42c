//! Backends outside this crate: transom's Python package (bindings/python) and the peers that
//! install from a registry here. Each runs a worker script (beside this file, written into
//! target/bench/ at run time) that speaks the same task protocol as the Rust workers.
//!
//! `scripts/bench.sh` installs the peers: npm packages into target/bench/peers/, pywebview into
//! the venv target/bench/pywebview-venv/. What is missing is reported as skipped, with why.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::orchestrate::Backend;
use crate::page;

const PYTHON_WORKER: &str = include_str!("peers/python_worker.py");
const NAPI_WORKER: &str = include_str!("peers/napi_worker.mjs");
const BUN_WORKER: &str = include_str!("peers/bun_worker.ts");
const TRANSOM_JS_WORKER: &str = include_str!("peers/transom_js_worker.mjs");

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs `program args` and returns why it failed, if it did (its last stderr line).
fn probe(program: &Path, args: &[&str], env: &[(String, String)]) -> Option<String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    match cmd.output() {
        Err(e) => Some(format!("cannot run {}: {e}", program.display())),
        Ok(out) if out.status.success() => None,
        Ok(out) => {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned();
            Some(format!("`{} {}` failed: {last}", program.display(), args.join(" ")))
        }
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

fn version_of(package_json: &Path) -> String {
    std::fs::read_to_string(package_json)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn backend(key: &str, label: &str, note: String, program: PathBuf, args: Vec<String>, env: Vec<(String, String)>) -> Backend {
    Backend { key: key.into(), label: label.into(), note, program, args, env, skipped: None, unsupported: Vec::new(), idle_by_env: false, extra: false }
}

pub fn backends(root: &Path) -> Vec<Backend> {
    let bench = root.join("target/bench");
    let peers = bench.join("peers");
    let pages = bench.join("pages");
    let mut out = Vec::new();
    let setup = || -> Result<(), String> {
        write(&pages.join("transom.html"), &page::document(page::TRANSOM_ADAPTER))?;
        write(&pages.join("raw.html"), &page::document(&page::raw_adapter()))?;
        write(&pages.join("pywebview.html"), &page::document(&page::pywebview_adapter()))?;
        write(&pages.join("bun.html"), &page::document(&page::bun_adapter()))?;
        write(&bench.join("workers/python_worker.py"), PYTHON_WORKER)?;
        write(&peers.join("napi_worker.mjs"), NAPI_WORKER)?;
        write(&peers.join("bun_worker.ts"), BUN_WORKER)?;
        write(&bench.join("workers/transom_js_worker.mjs"), TRANSOM_JS_WORKER)
    };
    if let Err(e) = setup() {
        eprintln!("bench: cannot write the worker scripts: {e}");
        return out;
    }
    let page_env = |name: &str| ("BENCH_PAGE".to_owned(), pages.join(name).display().to_string());
    let py_worker = bench.join("workers/python_worker.py").display().to_string();

    // transom's Python package, both of its modes.
    let python = std::env::var_os("BENCH_PYTHON").map(PathBuf::from).or_else(|| which("python3")).unwrap_or_else(|| "python3".into());
    let pypath = ("PYTHONPATH".to_owned(), root.join("bindings/python/src").display().to_string());
    for (key, label, mode, how) in [
        ("python", "transom, Python (ctypes)", "transom-inprocess", "App(mode=\"in-process\"): libtransom through ctypes"),
        ("python_host", "transom, Python (transom-host)", "transom-host", "App(mode=\"host\"): a transom-host child, JSON lines"),
    ] {
        let env = vec![pypath.clone(), page_env("transom.html")];
        let mut b = backend(
            key,
            label,
            format!("bindings/python from this checkout, {how}; webview.on / webview.handle callbacks, webview.send / webview.invoke"),
            python.clone(),
            vec![py_worker.clone(), mode.into()],
            env.clone(),
        );
        if !root.join("bindings/python/src/transom").is_dir() {
            b.skipped = Some("bindings/python is not in this checkout".into());
        } else {
            b.skipped = probe(&python, &["-c", "import transom; transom.find_library(); transom.find_host()"], &env);
        }
        out.push(b);
    }

    // transom's JavaScript package (bindings/js) in Node, Bun and Deno, in-process and through
    // transom-host, with the release builds of libtransom, the Node addon and transom-host.
    let js = root.join("bindings/js");
    let release = root.join("target/release");
    let js_worker = bench.join("workers/transom_js_worker.mjs").display().to_string();
    let native = vec![
        ("TRANSOM_LIBRARY".to_owned(), release.join("libtransom.so").display().to_string()),
        ("TRANSOM_NODE_ADDON".to_owned(), release.join("libtransom_node.so").display().to_string()),
        ("TRANSOM_HOST".to_owned(), release.join("transom-host").display().to_string()),
        page_env("transom.html"),
    ];
    let node_bin = which("node").unwrap_or_else(|| "node".into());
    let bun_bin = peers.join("node_modules/bun/bin/bun.exe");
    let deno_bin = peers.join("node_modules/.bin/deno");
    let runtimes = [
        ("node", "Node", node_bin, vec![], "dist/index.js", "the Node addon (napi-rs)", "addon"),
        ("bun", "Bun", bun_bin, vec![], "dist/index.js", "bun:ffi on libtransom", "ffi"),
        ("deno", "Deno", deno_bin.clone(), vec!["run".to_owned(), "-A".to_owned()], "mod.ts", "the Node addon (napi-rs) loaded by Deno", "addon"),
        ("deno_ffi", "Deno, FFI", deno_bin, vec!["run".to_owned(), "-A".to_owned()], "mod.ts", "Deno.dlopen on libtransom", "ffi"),
    ];
    for host_mode in [false, true] {
        for (runtime, name, program, runtime_args, entry, how, loader) in runtimes.clone() {
            if host_mode && loader == "ffi" && runtime != "bun" {
                continue; // the same as the runtime's own host-mode row
            }
            let (key, label, mode, how) = if host_mode {
                (
                    format!("js_{runtime}_host"),
                    format!("transom, JS package ({name}, transom-host)"),
                    "host",
                    "a transom-host child, JSON lines over its stdin/stdout (base64 for bytes)",
                )
            } else {
                (format!("js_{runtime}"), format!("transom, JS package ({name})"), "in-process", how)
            };
            let mut args = runtime_args;
            args.push(js_worker.clone());
            let mut env = native.clone();
            env.push(("BENCH_TRANSOM_JS".to_owned(), js.join(entry).display().to_string()));
            env.push(("BENCH_MODE".to_owned(), mode.to_owned()));
            env.push(("TRANSOM_NATIVE".to_owned(), loader.to_owned()));
            let mut b = backend(
                &key,
                &label,
                format!("bindings/js from this checkout, start({{mode: \"{mode}\"}}): {how}; app.on(\"message\") / app.handle callbacks, view.send / view.invoke, bytes as Uint8Array"),
                program.clone(),
                args,
                env,
            );
            if !js.join(entry).is_file() {
                b.skipped = Some(format!("bindings/js/{entry} is not in this checkout"));
            } else if !program.is_file() {
                b.skipped = Some(format!("{} is not installed (scripts/bench.sh installs it)", program.display()));
            } else if host_mode && !release.join("transom-host").is_file() {
                b.skipped = Some("transom-host is not built (cargo build --release --bin transom-host)".into());
            } else if !host_mode && loader == "addon" && !release.join("libtransom_node.so").is_file() {
                b.skipped = Some("the Node addon is not built (cargo build --release -p transom-node)".into());
            }
            out.push(b);
        }
    }

    // webview-napi on Node.
    let napi_pkg = peers.join("node_modules/webview-napi/package.json");
    let node = which("node").unwrap_or_else(|| "node".into());
    let node_version = Command::new(&node).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let mut napi = backend(
        "napi",
        "webview-napi (Node)",
        format!(
            "webview-napi {} on Node {}: EmbeddedRuntime (its Pump calls Application.pollEvents from setImmediate), window.ipc.postMessage / evaluateScript, base64 for bytes",
            version_of(&napi_pkg),
            node_version.clone().unwrap_or_default()
        ),
        node.clone(),
        vec![peers.join("napi_worker.mjs").display().to_string()],
        vec![page_env("raw.html")],
    );
    if node_version.is_none() {
        napi.skipped = Some("node is not installed".into());
    } else if !napi_pkg.is_file() {
        napi.skipped = Some("not installed (scripts/bench.sh: npm install webview-napi into target/bench/peers)".into());
    }
    out.push(napi);

    // webview-bun on Bun.
    let bun = peers.join("node_modules/bun/bin/bun.exe");
    let bun_pkg = peers.join("node_modules/webview-bun/package.json");
    let bun_version = Command::new(&bun).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let mut wb = backend(
        "bun",
        "webview-bun (Bun)",
        format!(
            "webview-bun {} on Bun {} (webview/webview, GTK 4 + WebKitGTK 6.0): webview.run() owns the thread, so the program runs in bound callbacks; bind / eval, base64 for bytes",
            version_of(&bun_pkg),
            bun_version.clone().unwrap_or_default()
        ),
        bun.clone(),
        vec![peers.join("bun_worker.ts").display().to_string()],
        vec![page_env("bun.html")],
    );
    wb.idle_by_env = true;
    if bun_version.is_none() {
        wb.skipped = Some("bun is not installed (scripts/bench.sh: npm install bun into target/bench/peers)".into());
    } else if !bun_pkg.is_file() {
        wb.skipped = Some("not installed (scripts/bench.sh: npm install webview-bun into target/bench/peers)".into());
    }
    out.push(wb);

    // pywebview, GTK backend.
    let pyw = bench.join("pywebview-venv/bin/python");
    let mut pw = backend(
        "pywebview",
        "pywebview (GTK)",
        String::new(),
        pyw.clone(),
        vec![py_worker, "pywebview".into()],
        vec![page_env("pywebview.html")],
    );
    if !pyw.is_file() {
        pw.skipped = Some("not installed (scripts/bench.sh: pip install pywebview into target/bench/pywebview-venv)".into());
    } else {
        pw.skipped = probe(&pyw, &["-c", "import webview, webview.platforms.gtk"], &[]);
        let version = Command::new(&pyw)
            .args(["-c", "import importlib.metadata as m; print(m.version('pywebview'))"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        pw.note = format!(
            "pywebview {version} (GTK backend, WebKit2GTK 4.1 through PyGObject): webview.start() owns the main thread, the program runs on its worker thread; js_api calls one way, evaluate_js the other, base64 for bytes"
        );
    }
    out.push(pw);
    out
}
