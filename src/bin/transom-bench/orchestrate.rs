//! The orchestrator: starts one worker process per backend, gives them the same tasks in turn
//! (the backends alternate within every repetition, in an order rotated each time), measures cold
//! starts, idle CPU and memory from /proc, and writes the report.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::procfs;
use crate::report;

/// How a backend is started.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Backend {
    pub key: String,
    pub label: String,
    /// What it is, for the method notes.
    pub note: String,
    #[serde(skip)]
    pub program: PathBuf,
    #[serde(skip)]
    pub args: Vec<String>,
    #[serde(skip)]
    pub env: Vec<(String, String)>,
    /// Why it cannot run here, when it cannot.
    pub skipped: Option<String>,
    /// Workloads its API cannot express, with the reason.
    #[serde(default)]
    pub unsupported: Vec<(String, String)>,
    /// Its event loop cannot take tasks while idle (webview-bun): idle samples start a fresh
    /// process with BENCH_IDLE=1 and BENCH_WINDOWS=N instead of asking for more windows.
    #[serde(default)]
    pub idle_by_env: bool,
    /// Runs only when named with --only (an experiment, not part of the table).
    #[serde(default)]
    pub extra: bool,
}

/// Sizes and counts of one run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Plan {
    pub name: String,
    pub reps: usize,
    pub rt_n: usize,
    pub rt64_n: usize,
    pub msgs: usize,
    pub inv_n: usize,
    pub bytes: usize,
    pub bytes_reps: usize,
    pub windows: usize,
    pub windows_reps: usize,
    pub cold_reps: usize,
    pub idle_secs: f64,
    pub idle_reps: usize,
    pub settle_secs: f64,
    pub idle_windows: usize,
    pub task_timeout_secs: u64,
}

impl Plan {
    fn full() -> Plan {
        Plan {
            name: "full".into(),
            reps: 5,
            rt_n: 300,
            rt64_n: 100,
            msgs: 10_000,
            inv_n: 300,
            bytes: 100 * 1024 * 1024,
            bytes_reps: 3,
            windows: 10,
            windows_reps: 3,
            cold_reps: 5,
            idle_secs: 10.0,
            idle_reps: 2,
            settle_secs: 3.0,
            idle_windows: 10,
            task_timeout_secs: 300,
        }
    }
    fn quick() -> Plan {
        Plan {
            name: "quick".into(),
            reps: 2,
            rt_n: 20,
            rt64_n: 10,
            msgs: 500,
            inv_n: 20,
            bytes: 1024 * 1024,
            bytes_reps: 1,
            windows: 2,
            windows_reps: 1,
            cold_reps: 1,
            idle_secs: 1.0,
            idle_reps: 1,
            settle_secs: 0.5,
            idle_windows: 2,
            task_timeout_secs: 120,
        }
    }
}

/// One row of the results: a workload through a backend.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
pub struct Row {
    pub workload: String,
    pub backend: String,
    /// Milliseconds, percent of a core or MiB (see the workload's unit).
    pub samples: Vec<f64>,
    pub error: Option<String>,
}

/// Everything a run found.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    pub plan: Plan,
    pub machine: Vec<(String, String)>,
    pub load_before: String,
    pub load_after: String,
    pub started: String,
    pub seconds: f64,
    pub backends: Vec<Backend>,
    pub rows: Vec<Row>,
    pub process_trees: Vec<(String, String)>,
}

impl Results {
    fn row(&mut self, workload: &str, backend: &str) -> &mut Row {
        if let Some(i) = self.rows.iter().position(|r| r.workload == workload && r.backend == backend) {
            return &mut self.rows[i];
        }
        self.rows.push(Row { workload: workload.into(), backend: backend.into(), ..Default::default() });
        self.rows.last_mut().unwrap()
    }
    fn add(&mut self, workload: &str, backend: &str, outcome: Result<Vec<f64>, String>) {
        let row = self.row(workload, backend);
        match outcome {
            Ok(samples) => row.samples.extend(samples),
            Err(e) => {
                eprintln!("bench: {workload} / {backend}: {e}");
                if row.error.is_none() {
                    row.error = Some(e);
                }
            }
        }
    }
}

// ---- workers ----------------------------------------------------------------------------------

struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Worker {
    /// Starts a worker and waits for its first page to say hello; returns it and that time.
    fn start(b: &Backend, timeout: Duration) -> Result<(Worker, Duration), String> {
        let start = Instant::now();
        let mut cmd = Command::new(&b.program);
        cmd.args(&b.args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).process_group(0);
        for (k, v) in &b.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot start {}: {e}", b.program.display()))?;
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(rest) = line.strip_prefix("@@ ") {
                    if tx.send(rest.to_owned()).is_err() {
                        return;
                    }
                }
            }
        });
        // Keep the last lines of stderr: they explain a worker that dies.
        let key = b.key.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                if std::env::var_os("BENCH_VERBOSE").is_some() || line.contains("panicked") || line.contains("Error") {
                    eprintln!("  [{key}] {line}");
                }
            }
        });
        let mut worker = Worker { stdin: child.stdin.take(), child, lines };
        let first = worker.reply(timeout)?;
        if first.get("ready").is_none() {
            let e = first.get("error").map_or(first.to_string(), |e| e.to_string());
            worker.stop();
            return Err(format!("did not start: {e}"));
        }
        Ok((worker, start.elapsed()))
    }

    fn reply(&mut self, timeout: Duration) -> Result<serde_json::Value, String> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => serde_json::from_str(&line).map_err(|e| format!("bad reply {line:.200}: {e}")),
            Err(RecvTimeoutError::Timeout) => Err(format!("no answer within {} s", timeout.as_secs())),
            Err(RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(format!("the worker died ({status})"))
            }
        }
    }

    /// Runs a task; returns its samples in nanoseconds.
    fn task(&mut self, task: &serde_json::Value, timeout: Duration) -> Result<Vec<u64>, String> {
        let stdin = self.stdin.as_mut().ok_or("worker closed")?;
        writeln!(stdin, "{task}").and_then(|_| stdin.flush()).map_err(|e| format!("worker gone: {e}"))?;
        let reply = self.reply(timeout)?;
        if let Some(e) = reply.get("error") {
            return Err(e.as_str().unwrap_or("error").to_owned());
        }
        let samples = reply.get("samples").and_then(|s| s.as_array()).ok_or("reply without samples")?;
        Ok(samples.iter().filter_map(|v| v.as_f64()).map(|v| v as u64).collect())
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops (SIGSTOP) or continues (SIGCONT) the worker's whole process group: a worker that is
    /// not being measured must not take CPU from the one that is (webview-napi's pump spins).
    fn freeze(&self, stopped: bool) {
        let signal = if stopped { libc::SIGSTOP } else { libc::SIGCONT };
        // SAFETY: signals the process group this worker was started in (process_group(0)).
        unsafe { libc::kill(-(self.child.id() as i32), signal) };
    }

    /// Closes its stdin, gives it a moment, then ends its process group (its web processes too).
    fn stop(&mut self) {
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.freeze(false);
        // SAFETY: signals the process group this worker was started in (process_group(0)).
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

// ---- backends ---------------------------------------------------------------------------------

fn repo_root() -> PathBuf {
    // target/release/transom-bench -> the repository.
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors().nth(3).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

fn self_backend(key: &str, label: &str, note: &str, worker: &str) -> Backend {
    Backend {
        key: key.into(),
        label: label.into(),
        note: note.into(),
        program: std::env::current_exe().unwrap_or_default(),
        args: vec!["--worker".into(), worker.into()],
        env: Vec::new(),
        skipped: None,
        unsupported: Vec::new(),
        idle_by_env: false,
        extra: false,
    }
}

fn backends(root: &Path) -> Vec<Backend> {
    let mut list = vec![
        self_backend(
            "raw",
            "raw wry (baseline)",
            "tao 0.37 + wry 0.57 written directly: event loop on its own thread, page posts JSON with window.ipc.postMessage to wry's ipc handler, the program answers with evaluate_script on that thread; bytes as base64 both ways",
            "raw",
        ),
        self_backend(
            "rawthread",
            "raw wry + program thread",
            "the same raw wry with the program on its own thread, as transom has it: the ipc handler hands each post to the program through a channel, the program asks the event loop for evaluate_script through tao's EventLoopProxy (no transom code: the cost of the architecture alone)",
            "rawthread",
        ),
        Backend {
            extra: true,
            ..self_backend(
                "rawrequeue",
                "raw wry + program thread, ipc re-queued",
                "raw wry + program thread, where the ipc handler first sends each post through the event loop's proxy and hands it to the program when that event comes round (what transom does with a page's post)",
                "rawrequeue",
            )
        },
        self_backend("rust", "transom, Rust API", "transom::App from the program's thread: post / invoke / resolve / post_bytes, events from next_event", "rust"),
        self_backend("c", "transom, C API", "the transom_* extern functions as a C program calls them: JSON strings in, events from transom_event_next, bytes from transom_event_bytes", "c"),
        self_backend("pipe", "transom-host, pipes", "the program spawns transom-host and writes JSON lines to its stdin, reads events from its stdout (bytes as base64 in the line, per the protocol)", "pipe"),
    ];
    list.extend(crate::peers::backends(root));
    list
}

// ---- the run ----------------------------------------------------------------------------------

fn to_ms(samples: Vec<u64>) -> Vec<f64> {
    samples.into_iter().map(|ns| ns as f64 / 1e6).collect()
}

struct Pool<'a> {
    backends: &'a [Backend],
    workers: HashMap<String, Worker>,
    timeout: Duration,
    /// How long a continued worker gets before its task.
    resume: Duration,
}

impl Pool<'_> {
    fn run(&mut self, key: &str, task: &serde_json::Value) -> Result<Vec<f64>, String> {
        let b = self.backends.iter().find(|b| b.key == key).unwrap();
        if let Some((_, why)) = b.unsupported.iter().find(|(w, _)| task["w"] == w.as_str()) {
            return Err(format!("not run: {why}"));
        }
        if !self.workers.contains_key(key) {
            let (worker, _) = Worker::start(b, self.timeout)?;
            self.workers.insert(key.to_owned(), worker);
        }
        let worker = self.workers.get_mut(key).unwrap();
        worker.freeze(false);
        // Let it settle after being continued (its loop catches up on timers and input).
        std::thread::sleep(self.resume);
        let outcome = worker.task(task, self.timeout);
        worker.freeze(true);
        match outcome {
            Ok(samples) => Ok(to_ms(samples)),
            Err(e) => {
                // Start afresh next time: the worker may be stuck in the middle of the workload.
                self.workers.remove(key);
                Err(e)
            }
        }
    }
}

/// The streaming workloads: (key, task) pairs, and how many repetitions each gets.
fn stream_workloads(p: &Plan) -> Vec<(&'static str, serde_json::Value, usize)> {
    use serde_json::json;
    vec![
        ("rt_small", json!({"w":"rt","n":p.rt_n,"size":16}), p.reps),
        ("rt_64k", json!({"w":"rt","n":p.rt64_n,"size":65536}), p.reps),
        ("h2p", json!({"w":"h2p","n":p.msgs}), p.reps),
        ("p2h", json!({"w":"p2h","n":p.msgs}), p.reps),
        ("inv_p2h", json!({"w":"inv_p2h","n":p.inv_n}), p.reps),
        ("inv_h2p", json!({"w":"inv_h2p","n":p.inv_n}), p.reps),
        ("bytes_h2p", json!({"w":"bytes_h2p","size":p.bytes}), p.bytes_reps),
        ("bytes_p2h", json!({"w":"bytes_p2h","size":p.bytes}), p.bytes_reps),
        ("windows", json!({"w":"windows","n":p.windows}), p.windows_reps),
    ]
}

fn rotated(keys: &[String], by: usize) -> Vec<String> {
    let mut v = keys.to_vec();
    if !v.is_empty() {
        let n = v.len();
        v.rotate_left(by % n);
    }
    v
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn machine() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).unwrap_or("?").trim();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo.lines().find(|l| l.starts_with("MemTotal")).and_then(|l| l.split_whitespace().nth(1)).and_then(|k| k.parse::<f64>().ok());
    let os = std::fs::read_to_string("/etc/os-release")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("PRETTY_NAME="))
        .map(|l| l.trim_start_matches("PRETTY_NAME=").trim_matches('"').to_owned())
        .unwrap_or_default();
    let webkit = command_output("dpkg-query", &["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"])
        .or_else(|| command_output("pkg-config", &["--modversion", "webkit2gtk-4.1"]))
        .unwrap_or_else(|| "?".into());
    vec![
        ("CPU".into(), model.to_owned()),
        ("cores".into(), std::thread::available_parallelism().map(|n| n.to_string()).unwrap_or_default()),
        ("memory".into(), mem.map(|k| format!("{:.1} GiB", k / 1024.0 / 1024.0)).unwrap_or_default()),
        ("kernel".into(), std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned()),
        ("OS".into(), os),
        ("WebKitGTK".into(), format!("{webkit} (webkit2gtk-4.1)")),
        ("display".into(), "Xvfb (xvfb-run -a), no GPU: software rendering".into()),
        ("rustc".into(), command_output("rustc", &["--version"]).unwrap_or_default()),
    ]
}

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

pub fn main(args: &[String]) -> i32 {
    let root = repo_root();
    let out = PathBuf::from(arg(args, "--out").unwrap_or("docs/benchmarks.md"));
    let png = PathBuf::from(arg(args, "--png").unwrap_or("docs/benchmarks.png"));
    let python = arg(args, "--python").map(PathBuf::from);
    if let Some(saved) = arg(args, "--report") {
        let text = std::fs::read_to_string(saved).expect("results file");
        let results: Results = serde_json::from_str(&text).expect("results JSON");
        return report::write(&results, &out, &png, python.as_deref());
    }
    let plan = if args.iter().any(|a| a == "--quick") { Plan::quick() } else { Plan::full() };
    let mut all = backends(&root);
    if let Some(only) = arg(args, "--only") {
        let keep: Vec<&str> = only.split(',').collect();
        all.retain(|b| keep.contains(&b.key.as_str()));
    } else {
        all.retain(|b| !b.extra);
    }
    let wanted: Option<Vec<String>> = arg(args, "--workloads").map(|w| w.split(',').map(str::to_owned).collect());
    let wants = |key: &str| wanted.as_ref().map_or(true, |w| w.iter().any(|x| x == key));
    for b in &all {
        match &b.skipped {
            Some(why) => eprintln!("bench: {} skipped: {why}", b.label),
            None => eprintln!("bench: {} ready", b.label),
        }
    }
    let load_before = loadavg();
    eprintln!("bench: {} plan, load {load_before}", plan.name);
    let started = Instant::now();
    let mut results = Results {
        plan: plan.clone(),
        machine: machine(),
        load_before,
        load_after: String::new(),
        started: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
        seconds: 0.0,
        backends: all.clone(),
        rows: Vec::new(),
        process_trees: Vec::new(),
    };
    let runnable: Vec<String> = all.iter().filter(|b| b.skipped.is_none()).map(|b| b.key.clone()).collect();
    let timeout = Duration::from_secs(plan.task_timeout_secs);

    // Cold start: a fresh process per sample, from spawn to the first page message.
    for rep in 0..if wants("cold") { plan.cold_reps } else { 0 } {
        for key in rotated(&runnable, rep) {
            let b = all.iter().find(|b| b.key == key).unwrap();
            let outcome = Worker::start(b, timeout).map(|(mut w, t)| {
                w.stop();
                vec![t.as_secs_f64() * 1e3]
            });
            results.add("cold", &key, outcome);
        }
    }

    // Streaming workloads on long-lived workers, the backends taking turns in each repetition.
    let resume = Duration::from_millis(if plan.name == "quick" { 20 } else { 200 });
    let mut pool = Pool { backends: &all, workers: HashMap::new(), timeout, resume };
    for (workload, task, reps) in stream_workloads(&plan) {
        if !wants(workload) {
            continue;
        }
        eprintln!("bench: {workload}");
        // A short warm-up per backend, not recorded: the page's code is compiled by the time the
        // clock runs, as it is in an app that has been running for a while.
        if workload != "windows" {
            let mut warm = task.clone();
            if let Some(n) = warm["n"].as_u64() {
                warm["n"] = (n / 10).max(5).into();
            }
            if warm["size"].as_u64().is_some_and(|s| s > 1 << 20) {
                warm["size"] = (1u64 << 20).into();
            }
            for key in &runnable {
                let _ = pool.run(key, &warm);
            }
        }
        for rep in 0..reps {
            for key in rotated(&runnable, rep) {
                let outcome = pool.run(&key, &task);
                results.add(workload, &key, outcome);
                if workload == "h2p" && key == "raw" {
                    // The same messages in one evaluate_script: what batching can reach at best.
                    let mut batched = task.clone();
                    batched["batched"] = serde_json::Value::Bool(true);
                    let outcome = pool.run("raw", &batched);
                    results.add(workload, "raw_batched", outcome);
                }
            }
        }
    }
    drop(pool);

    // Idle CPU and memory: a fresh process per sample, 1 window, then idle_windows.
    eprintln!("bench: idle CPU and memory");
    for rep in 0..if wants("idle") { plan.idle_reps } else { 0 } {
        for key in rotated(&runnable, rep) {
            let b = all.iter().find(|b| b.key == key).unwrap();
            if let Some((_, why)) = b.unsupported.iter().find(|(w, _)| w == "windows") {
                for w in ["idle_1", "idle_n", "pss_1", "pss_n", "pss_per_window"] {
                    results.add(w, &key, Err(format!("not run: {why}")));
                }
                continue;
            }
            match idle_sample(b, &plan, timeout) {
                Ok(sample) => {
                    if rep == 0 {
                        results.process_trees.push((key.clone(), sample.tree.clone()));
                    }
                    results.add("idle_1", &key, Ok(vec![sample.cpu_1]));
                    results.add("idle_n", &key, Ok(vec![sample.cpu_n]));
                    results.add("pss_1", &key, Ok(vec![sample.pss_1]));
                    results.add("pss_n", &key, Ok(vec![sample.pss_n]));
                    results.add("pss_per_window", &key, Ok(vec![(sample.pss_n - sample.pss_1) / (plan.idle_windows - 1) as f64]));
                }
                Err(e) => {
                    for w in ["idle_1", "idle_n", "pss_1", "pss_n", "pss_per_window"] {
                        results.add(w, &key, Err(e.clone()));
                    }
                }
            }
        }
    }
    results.load_after = loadavg();
    results.seconds = started.elapsed().as_secs_f64();
    eprintln!("bench: done in {:.0} s, load {}", results.seconds, results.load_after);
    let saved = arg(args, "--results")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(format!("target/bench/results-{}.json", plan.name)));
    if let Some(dir) = saved.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = std::fs::write(&saved, serde_json::to_string_pretty(&results).unwrap());
    eprintln!("bench: results in {}", saved.display());
    let code = report::write(&results, &out, &png, python.as_deref());
    if args.iter().any(|a| a == "--strict") {
        // For CI: the baseline and every transom backend must have run every workload.
        let failed: Vec<String> = results
            .rows
            .iter()
            .filter(|r| ["raw", "rawthread", "raw_batched", "rust", "c", "pipe"].contains(&r.backend.as_str()))
            .filter_map(|r| r.error.as_ref().map(|e| format!("{} / {}: {e}", r.workload, r.backend)))
            .collect();
        if !failed.is_empty() {
            eprintln!("bench: failed:\n  {}", failed.join("\n  "));
            return 1;
        }
    }
    code
}

struct IdleSample {
    cpu_1: f64,
    cpu_n: f64,
    pss_1: f64,
    pss_n: f64,
    tree: String,
}

fn idle_sample(b: &Backend, plan: &Plan, timeout: Duration) -> Result<IdleSample, String> {
    let settle = Duration::from_secs_f64(plan.settle_secs);
    let measure = |pid: u32| {
        std::thread::sleep(settle);
        let before = procfs::cpu_seconds(pid);
        std::thread::sleep(Duration::from_secs_f64(plan.idle_secs));
        let after = procfs::cpu_seconds(pid);
        ((after - before) / plan.idle_secs * 100.0, procfs::pss_kib(pid) as f64 / 1024.0)
    };
    if b.idle_by_env {
        let with = |n: usize| {
            let mut b = b.clone();
            b.env.push(("BENCH_IDLE".into(), "1".into()));
            b.env.push(("BENCH_WINDOWS".into(), n.to_string()));
            b
        };
        let (mut one, _) = Worker::start(&with(1), timeout)?;
        let (cpu_1, pss_1) = measure(one.pid());
        one.stop();
        let (mut many, _) = Worker::start(&with(plan.idle_windows), timeout)?;
        let (cpu_n, pss_n) = measure(many.pid());
        let tree = tree_summary(many.pid());
        many.stop();
        return Ok(IdleSample { cpu_1, cpu_n, pss_1, pss_n, tree });
    }
    let (mut worker, _) = Worker::start(b, timeout)?;
    let pid = worker.pid();
    let (cpu_1, pss_1) = measure(pid);
    let more = serde_json::json!({"w":"windows","n":plan.idle_windows - 1,"keep":true});
    worker.task(&more, timeout)?;
    let (cpu_n, pss_n) = measure(pid);
    let tree = tree_summary(pid);
    worker.stop();
    Ok(IdleSample { cpu_1, cpu_n, pss_1, pss_n, tree })
}

/// "name ×count" of every process in the tree under `pid`.
fn tree_summary(pid: u32) -> String {
    let mut names = procfs::names(pid);
    names.sort();
    let mut out: Vec<String> = Vec::new();
    for name in &names {
        let entry = format!("{name} ×{}", names.iter().filter(|x| *x == name).count());
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out.join(", ")
}
