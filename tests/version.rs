//! The version macros of include/transom.h match the package version in Cargo.toml, and
//! `transom_version()` reports the same version.

use std::ffi::CStr;
use std::path::Path;

/// The value of `#define NAME value` in the header.
fn header_macro(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|line| {
        let mut words = line.split_whitespace();
        (words.next() == Some("#define") && words.next() == Some(name)).then(|| words.collect::<Vec<_>>().join(" "))
    })
}

/// The `version = "…"` of the `[package]` table, read from Cargo.toml itself (not from what cargo
/// passed to the compiler), so that a stale build cannot hide a mismatch.
fn cargo_toml_version() -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).expect("read Cargo.toml");
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(rest) = line.strip_prefix("version") {
                let value = rest.trim_start().strip_prefix('=').expect("version = \"…\"").trim();
                return value.trim_matches('"').to_string();
            }
        }
    }
    panic!("no version in the [package] table of Cargo.toml");
}

#[test]
fn header_version_macros_match_cargo_toml() {
    let header = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/transom.h"))
        .expect("read include/transom.h");
    let version = cargo_toml_version();
    // Pre-release and build suffixes are not part of the macros.
    let core = version.split(['-', '+']).next().unwrap();
    let parts: Vec<&str> = core.split('.').collect();
    assert_eq!(parts.len(), 3, "Cargo.toml version {version} is not MAJOR.MINOR.PATCH");
    for (name, expected) in ["TRANSOM_VERSION_MAJOR", "TRANSOM_VERSION_MINOR", "TRANSOM_VERSION_PATCH"].iter().zip(&parts) {
        let value = header_macro(&header, name).unwrap_or_else(|| panic!("include/transom.h does not define {name}"));
        assert_eq!(&value, expected, "{name} in include/transom.h is {value}, Cargo.toml says {version}");
    }
    assert_eq!(env!("CARGO_PKG_VERSION"), version, "the build is older than Cargo.toml");
}

#[test]
fn transom_version_matches_cargo_toml() {
    // SAFETY: transom_version returns a static NUL-terminated string.
    let reported = unsafe { CStr::from_ptr(transom::ffi::transom_version()) }.to_str().unwrap().to_owned();
    assert_eq!(reported, cargo_toml_version());
    assert_eq!(transom::VERSION, cargo_toml_version());
}
