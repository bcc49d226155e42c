//! Generates include/transom.h from the `extern "C"` functions in src/ffi with cbindgen. The header
//! is checked in; it is rewritten only when its content changes, and CI fails when the checked-in
//! copy differs from what this produces.
//!
//! Also: the `TRANSOM_VERSION_*` macros of the header (from Cargo.toml's version) and the shared
//! library's soname, see `library_version`.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/event.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    library_version();
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    config.after_includes = Some(match config.after_includes.take() {
        Some(text) => format!("{}\n{text}", version_macros()),
        None => version_macros(),
    });
    let bindings = match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(bindings) => bindings,
        Err(error) => {
            // A source error is reported by rustc itself with a better message.
            println!("cargo:warning=cbindgen could not generate include/transom.h: {error}");
            return;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let header = String::from_utf8(generated).expect("cbindgen writes UTF-8");
    let header = c_fixups(&header);
    let path = crate_dir.join("include").join("transom.h");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(header.as_str()) {
        std::fs::create_dir_all(path.parent().expect("include/")).expect("create include/");
        std::fs::write(&path, header).expect("write include/transom.h");
    }
}

/// The function `transom_event_kind` shares its name with the enum it returns. In C a typedef and
/// a function cannot share a name, so the enum is used by its tag: `enum transom_event_kind`, and
/// the typedefs cbindgen writes for it are left out.
fn c_fixups(header: &str) -> String {
    let typedefs = "#ifndef __cplusplus\n#if __STDC_VERSION__ >= 202311L\ntypedef enum transom_event_kind transom_event_kind;\n#else\ntypedef uint32_t transom_event_kind;\n#endif // __STDC_VERSION__ >= 202311L\n#endif // __cplusplus\n";
    assert!(header.contains(typedefs), "cbindgen output changed: the transom_event_kind typedefs are not where build.rs expects them");
    header
        .replace(typedefs, "")
        .replace("transom_event_kind transom_event_kind(", "enum transom_event_kind transom_event_kind(")
}

/// The version macros of the header, from the package version (Cargo.toml). They depend on nothing
/// else, so the header stays the same from build to build. tests/version.rs checks them.
fn version_macros() -> String {
    let part = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by cargo"));
    let (major, minor, patch) =
        (part("CARGO_PKG_VERSION_MAJOR"), part("CARGO_PKG_VERSION_MINOR"), part("CARGO_PKG_VERSION_PATCH"));
    format!(
        "\n// The version of transom this header belongs to (Cargo.toml). `transom_version()` gives the\n\
         // version of the library loaded at run time.\n\
         #define TRANSOM_VERSION_MAJOR {major}\n\
         #define TRANSOM_VERSION_MINOR {minor}\n\
         #define TRANSOM_VERSION_PATCH {patch}"
    )
}

/// The name the dynamic linker records for the shared library, on Linux and the BSDs: the soname
/// `libtransom.so.MAJOR`, so programs linked against `libtransom.so` (a symlink to
/// `libtransom.so.MAJOR.MINOR.PATCH`, see scripts/install.sh) load any library of the same major
/// version (in the build tree `soname_link` makes that name).
///
/// It goes through `rustc-link-arg`, which reaches only this package's own links, not through
/// `rustc-cdylib-link-arg`: cargo hands cdylib link arguments on to every cdylib that depends on
/// this crate (rust-lang/cargo#9562), and the Node addon (bindings/node) would be named
/// libtransom.so.MAJOR too. The price: this package's executables (transom-host, tests) carry the
/// same DT_SONAME, which the loader ignores for executables.
///
/// macOS: the install name (`@rpath/libtransom.dylib`) is set after the build, with
/// install_name_tool (.github/workflows/release.yml), for the same reason.
///
/// Only `transom_*` symbols are exported: rustc's own version script for a cdylib exports the
/// `#[no_mangle]` functions and hides the rest (tests/exports.rs checks the list).
fn library_version() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("CARGO_PKG_VERSION_MAJOR");
    if matches!(os.as_str(), "linux" | "freebsd" | "netbsd" | "openbsd" | "dragonfly") {
        println!("cargo:rustc-link-arg=-Wl,-soname,libtransom.so.{major}");
        soname_link(&major);
    }
}

/// A program linked against target/PROFILE/libtransom.so asks the dynamic linker for the soname,
/// `libtransom.so.MAJOR`: so that `LD_LIBRARY_PATH=target/PROFILE` keeps working in the build tree,
/// that name is made there as a symlink to `libtransom.so` (OUT_DIR is
/// target/[TRIPLE/]PROFILE/build/transom-HASH/out).
fn soname_link(major: &str) {
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else { return };
    let Some(profile_dir) = out_dir.ancestors().nth(3) else { return };
    let link = profile_dir.join(format!("libtransom.so.{major}"));
    if std::fs::read_link(&link).ok().as_deref() == Some(std::path::Path::new("libtransom.so")) {
        return;
    }
    let _ = std::fs::remove_file(&link);
    #[cfg(unix)]
    if let Err(error) = std::os::unix::fs::symlink("libtransom.so", &link) {
        println!("cargo:warning=could not create {}: {error}", link.display());
    }
}
