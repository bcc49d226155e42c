//! Backends outside this crate: the Python binding (bindings/python) and the peers that install
//! from a registry here. Each runs a worker script (beside this file, written to target/bench/ at
//! run time) that speaks the same task protocol as the Rust workers.

use std::path::Path;

use crate::orchestrate::Backend;

pub fn backends(_root: &Path) -> Vec<Backend> {
    Vec::new()
}
