//! Generates include/transom.h from the `extern "C"` functions in src/ffi with cbindgen. The header
//! is checked in; it is rewritten only when its content changes, and CI fails when the checked-in
//! copy differs from what this produces.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=src/event.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
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
