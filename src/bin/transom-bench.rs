//! `transom-bench`: transom against raw tao + wry (and the peers that install here), side by side,
//! in one invocation. See docs/benchmarks.md for the method and the numbers; `scripts/bench.sh`
//! runs it the way the table was made.
//!
//! ```text
//! transom-bench [--quick] [--strict] [--out docs/benchmarks.md] [--png docs/benchmarks.png]
//!               [--python PYTHON_WITH_MATPLOTLIB] [--only raw,rust,...] [--results FILE.json]
//!               [--workloads rt_small,inv_p2h,...]   (a subset; cold, idle are keys too)
//! transom-bench --worker raw|rawthread|rawrequeue|rust|c|pipe     (one backend, driven over stdin/stdout)
//! transom-bench --report FILE.json            (rewrite the markdown and chart from saved results)
//! ```
//!
//! Every backend runs in a process of its own (GTK allows one GUI thread per process, and the
//! process tree is what CPU and memory are measured on). The orchestrator sends each worker one
//! task at a time and interleaves the backends within every repetition.

#[path = "transom-bench/driver.rs"]
mod driver;
#[path = "transom-bench/orchestrate.rs"]
mod orchestrate;
#[path = "transom-bench/page.rs"]
mod page;
#[path = "transom-bench/peers.rs"]
mod peers;
#[path = "transom-bench/procfs.rs"]
mod procfs;
#[path = "transom-bench/raw.rs"]
mod raw;
#[path = "transom-bench/report.rs"]
mod report;
#[path = "transom-bench/transom_drivers.rs"]
mod transom_drivers;

use std::io::{BufRead, Write};

use driver::{Driver, Task};

fn serve(d: &mut dyn Driver) {
    let out = std::io::stdout();
    let say = |line: String| {
        let mut o = out.lock();
        let _ = writeln!(o, "{line}");
        let _ = o.flush();
    };
    let first = match driver::open_windows(d, 1) {
        Ok(w) => w[0],
        Err(e) => {
            say(driver::reply(&Err(e)));
            std::process::exit(1);
        }
    };
    say("@@ {\"ready\":true}".into());
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let result = match serde_json::from_str::<Task>(&line) {
            Ok(task) => driver::run_task(d, first, &task),
            Err(e) => Err(format!("bad task: {e}")),
        };
        say(driver::reply(&result));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--worker") {
        match args.get(i + 1).map(String::as_str) {
            Some("raw") => raw::worker(),
            Some("rawthread") => serve(&mut raw::threaded_worker(false)),
            Some("rawrequeue") => serve(&mut raw::threaded_worker(true)),
            Some("rust") => serve(&mut transom_drivers::RustApi::new()),
            Some("c") => serve(&mut transom_drivers::CApi::new()),
            Some("pipe") => serve(&mut transom_drivers::Pipe::new()),
            other => {
                eprintln!("transom-bench: unknown worker {other:?}");
                std::process::exit(2);
            }
        }
        // Leave without tearing the windows down one by one: the orchestrator is done with us.
        std::process::exit(0);
    }
    std::process::exit(orchestrate::main(&args));
}
