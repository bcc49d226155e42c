//! The shared library exports only `transom_*` symbols, exactly the functions declared in
//! include/transom.h, and its soname carries the major version (`libtransom.so.MAJOR`).
//! Linux only; needs binutils (`nm`, `readelf`).
#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// target/PROFILE/libtransom.so, built with this test (the test binary is target/PROFILE/deps/…).
fn shared_library() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().and_then(Path::parent).expect("target/PROFILE");
    let lib = dir.join("libtransom.so");
    assert!(lib.is_file(), "{} is missing: build it with cargo build", lib.display());
    lib
}

fn run(program: &str, args: &[&str], lib: &Path) -> String {
    let output = Command::new(program)
        .args(args)
        .arg(lib)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (binutils): {e}"));
    assert!(output.status.success(), "{program} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The functions include/transom.h declares: `name(` after a return type, at the start of a line.
fn header_functions() -> BTreeSet<String> {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/transom.h")).unwrap();
    let mut names = BTreeSet::new();
    for line in header.lines() {
        if line.starts_with(char::is_whitespace) || line.starts_with('#') || line.starts_with("//") || line.starts_with("typedef") {
            continue;
        }
        if let Some(open) = line.find('(') {
            if let Some(name) = line[..open].rsplit(|c: char| c == ' ' || c == '*').next() {
                if name.starts_with("transom_") {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

#[test]
fn only_transom_symbols_are_exported() {
    let lib = shared_library();
    let listing = run("nm", &["-D", "--defined-only"], &lib);
    let mut exported = BTreeSet::new();
    let mut foreign = Vec::new();
    for line in listing.lines() {
        // "0000000000012345 T transom_app_new", or "… T name@@VERSION"
        let Some(name) = line.split_whitespace().last() else { continue };
        let name = name.split('@').next().unwrap();
        if name.starts_with("transom_") {
            exported.insert(name.to_string());
        } else {
            foreign.push(line.to_string());
        }
    }
    assert!(foreign.is_empty(), "{} exports symbols that are not transom_*:\n{}", lib.display(), foreign.join("\n"));
    let declared = header_functions();
    assert!(!declared.is_empty(), "no functions found in include/transom.h");
    let missing: Vec<_> = declared.difference(&exported).collect();
    let undeclared: Vec<_> = exported.difference(&declared).collect();
    assert!(missing.is_empty(), "declared in include/transom.h but not exported: {missing:?}");
    assert!(undeclared.is_empty(), "exported but not declared in include/transom.h: {undeclared:?}");
}

#[test]
fn soname_carries_the_major_version() {
    let lib = shared_library();
    let dynamic = run("readelf", &["-d"], &lib);
    let soname = dynamic
        .lines()
        .find(|line| line.contains("(SONAME)"))
        .and_then(|line| line.split('[').nth(1))
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("{} has no SONAME", lib.display()));
    assert_eq!(soname, format!("libtransom.so.{}", env!("CARGO_PKG_VERSION_MAJOR")));
    // The build tree has that name too (build.rs), so programs linked here run with LD_LIBRARY_PATH.
    let link = lib.with_file_name(soname);
    assert_eq!(std::fs::canonicalize(&link).ok(), std::fs::canonicalize(&lib).ok(), "{} does not lead to libtransom.so", link.display());
}

/// Cargo hands a crate's `rustc-cdylib-link-arg`s on to every cdylib that depends on it
/// (rust-lang/cargo#9562); build.rs uses `rustc-link-arg` so that the soname stays this library's.
/// Checked on the Node addon (bindings/node) when it was built after the library.
#[test]
fn dependent_cdylibs_do_not_inherit_the_soname() {
    let lib = shared_library();
    let addon = lib.with_file_name("libtransom_node.so");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&addon), modified(&lib)) {
        (Some(addon_time), Some(lib_time)) if addon_time >= lib_time => {}
        _ => {
            eprintln!("skipped: no libtransom_node.so built after libtransom.so");
            return;
        }
    }
    let dynamic = run("readelf", &["-d"], &addon);
    let soname = format!("[libtransom.so.{}]", env!("CARGO_PKG_VERSION_MAJOR"));
    assert!(!dynamic.lines().any(|l| l.contains("(SONAME)") && l.contains(&soname)), "{} is named {soname}", addon.display());
}
