//! A program that exits (returns from `main`, or calls `exit`) while the GUI thread is busy with
//! its windows must end cleanly: `exit()` runs the libraries' destructors (libX11's among them)
//! while the GUI thread may be inside GTK. Each run is a child process (this test binary run again
//! with `TRANSOM_EXIT_CHILD` set) that opens a window with a page, keeps the GUI thread busy
//! resizing and retitling it from another thread, and calls `exit(0)` in the middle of that.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{open_page, page, wait_message};
use transom::App;

const CHILD: &str = "TRANSOM_EXIT_CHILD";
const RUNS: usize = 40;

#[test]
fn exit_while_the_gui_thread_is_busy_ends_the_process_cleanly() {
    if std::env::var_os(CHILD).is_some() {
        child();
    }
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    let started = Instant::now();
    for run in 0..RUNS {
        let output = Command::new(&exe)
            .args(["--exact", "exit_while_the_gui_thread_is_busy_ends_the_process_cleanly", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        if output.status.code() != Some(0) {
            failures.push(format!(
                "run {run}: {} ({})",
                output.status,
                String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("")
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {RUNS} exits failed:\n{}", failures.len(), failures.join("\n"));
    // Exit waits for the GUI thread at most 1 s; far less when it is running.
    assert!(started.elapsed() < Duration::from_secs(RUNS as u64 * 5), "exits took {:?}", started.elapsed());
}

fn child() -> ! {
    let app = App::new(None).unwrap();
    let (window, _webview) = open_page(&app, &page("host.send('up', 1);"));
    wait_message(&app, "up");
    // Another thread keeps the GUI thread busy with the window while this one exits.
    let busy = app.clone();
    std::thread::spawn(move || {
        for i in 0u32.. {
            let props = format!(r#"{{"title":"exit {i}","width":{},"height":{}}}"#, 300 + i % 50, 200 + i % 40);
            if busy.set_window(window, &props).is_err() {
                return;
            }
            if i % 20 == 19 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    std::process::exit(0);
}
