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

/// The header compiles on its own (nothing else included first) as C99, C11 and C++, and the
/// preprocessor sees the same version as Cargo.toml. Skipped when there is no C compiler.
#[test]
fn header_compiles_alone_with_the_version_macros() {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("header-alone");
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("alone.c");
    std::fs::write(
        &source,
        "#include \"transom.h\"\n\
         #if TRANSOM_VERSION_MAJOR != EXPECT_MAJOR || TRANSOM_VERSION_MINOR != EXPECT_MINOR || TRANSOM_VERSION_PATCH != EXPECT_PATCH\n\
         #error the TRANSOM_VERSION_* macros do not match Cargo.toml\n\
         #endif\n\
         int main(void) { size_t n = 0; (void)transom_event_bytes(0, &n); return (int)n; }\n",
    )
    .unwrap();
    let version = cargo_toml_version();
    let parts: Vec<&str> = version.split(['-', '+']).next().unwrap().split('.').collect();
    let compilers: [(&str, &[&str]); 3] =
        [("cc", &["-std=c99"]), ("cc", &["-std=c11"]), ("c++", &["-x", "c++", "-std=c++11"])];
    let mut ran = 0;
    for (compiler, flags) in compilers {
        let output = match std::process::Command::new(compiler)
            .args(flags)
            .args(["-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only"])
            .arg(format!("-DEXPECT_MAJOR={}", parts[0]))
            .arg(format!("-DEXPECT_MINOR={}", parts[1]))
            .arg(format!("-DEXPECT_PATCH={}", parts[2]))
            .arg("-I")
            .arg(&include)
            .arg(&source)
            .output()
        {
            Ok(output) => output,
            Err(_) => continue, // no such compiler here
        };
        ran += 1;
        assert!(
            output.status.success(),
            "{compiler} {flags:?} cannot compile include/transom.h on its own:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    if ran == 0 {
        eprintln!("skipped: no C compiler (cc)");
    }
}
