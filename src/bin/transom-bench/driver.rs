//! The program side of every workload, written once against [`Driver`]; each backend (raw wry,
//! transom's Rust API, its C API, transom-host over pipes) implements the trait the way a program
//! using it would.

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;

#[allow(dead_code)]
/// What the program hears from its pages, reduced to what the workloads need.
#[derive(Debug)]
pub enum Ev {
    /// A message (`channel`, payload as JSON text).
    Msg { webview: u64, channel: String, payload: String },
    /// Bytes from a page: their length.
    Bytes { webview: u64, channel: String, len: usize },
    /// A page's call.
    Invoke { call: u64, name: String, args: String },
    /// The answer to the program's call.
    Result { call: u64, value: String },
}

/// The program side of one backend.
pub trait Driver {
    /// Opens a window with the bench page; returns its webview id. The page says `hello` once
    /// its scripts ran.
    fn open(&mut self) -> u64;
    /// Closes the window of `webview`.
    fn close(&mut self, webview: u64);
    /// Sends `json` on `channel` to the page.
    fn post(&mut self, webview: u64, channel: &str, json: &str);
    /// Sends `bytes` on `channel` to the page.
    fn post_bytes(&mut self, webview: u64, channel: &str, bytes: &[u8]);
    /// Calls the page's handler `name` with `args` (a JSON array); returns the call id.
    fn invoke(&mut self, webview: u64, name: &str, args: &str) -> u64;
    /// Answers a page's call.
    fn resolve(&mut self, call: u64, value: &str);
    /// The next event (waits).
    fn next(&mut self) -> Result<Ev, String>;
    /// Sends `n` small messages on `channel`, batched in one evaluation when `batched` (raw wry
    /// only; transom batches by itself).
    fn post_many(&mut self, webview: u64, channel: &str, n: usize, _batched: bool) {
        for i in 0..n {
            self.post(webview, channel, &format!("{{\"i\":{i}}}"));
        }
    }
}

/// How long a workload waits for one event before it gives up.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(120);

/// An event as transom writes it (docs/protocol.md), payloads left as JSON text.
#[derive(Deserialize)]
pub struct EventJson<'a> {
    #[serde(rename = "type")]
    pub kind: &'a str,
    #[serde(default)]
    pub webview: u64,
    #[serde(default)]
    pub window: u64,
    pub channel: Option<String>,
    #[serde(borrow)]
    pub payload: Option<&'a RawValue>,
    pub call: Option<u64>,
    pub name: Option<String>,
    #[serde(borrow)]
    pub args: Option<&'a RawValue>,
    #[serde(borrow)]
    pub value: Option<&'a RawValue>,
    pub ok: Option<bool>,
    pub error: Option<String>,
    pub bytes: Option<usize>,
    pub base64: Option<&'a str>,
    pub req: Option<u64>,
    pub message: Option<String>,
}

/// Turns a transom event into an [`Ev`]; `None` for kinds the workloads ignore. `bytes_len` is
/// the length of the event's bytes when it carries some.
pub fn transom_event(json: &str, bytes_len: Option<usize>) -> Result<Option<Ev>, String> {
    let e: EventJson<'_> = serde_json::from_str(json).map_err(|e| format!("bad event {json:.200}: {e}"))?;
    Ok(match e.kind {
        "message" => {
            let channel = e.channel.unwrap_or_default();
            match (e.payload, bytes_len.or(e.bytes)) {
                (Some(p), _) => Some(Ev::Msg { webview: e.webview, channel, payload: p.get().to_owned() }),
                (None, Some(len)) => Some(Ev::Bytes { webview: e.webview, channel, len }),
                (None, None) => return Err(format!("message without payload: {json:.200}")),
            }
        }
        "invoke" => Some(Ev::Invoke {
            call: e.call.unwrap_or(0),
            name: e.name.unwrap_or_default(),
            args: e.args.map_or("[]".into(), |a| a.get().to_owned()),
        }),
        "invoke-result" => {
            if e.ok != Some(true) {
                return Err(format!("invoke failed: {}", e.error.unwrap_or_default()));
            }
            Some(Ev::Result { call: e.call.unwrap_or(0), value: e.value.map_or("null".into(), |v| v.get().to_owned()) })
        }
        "error" => return Err(format!("error event: {json:.300}")),
        _ => None,
    })
}

/// Samples, in nanoseconds.
pub type Samples = Vec<u64>;

fn ns(d: Duration) -> u64 {
    d.as_nanos() as u64
}

/// Waits for the message `channel` from any page, skipping others; returns its payload.
pub fn wait_msg(d: &mut dyn Driver, channel: &str) -> Result<String, String> {
    loop {
        match d.next()? {
            Ev::Msg { channel: c, payload, .. } if c == channel => return Ok(payload),
            Ev::Invoke { call, .. } => d.resolve(call, "null"),
            _ => {}
        }
    }
}

/// Opens `n` windows and waits until each page said hello; returns their webviews.
pub fn open_windows(d: &mut dyn Driver, n: usize) -> Result<Vec<u64>, String> {
    let webviews: Vec<u64> = (0..n).map(|_| d.open()).collect();
    let mut left = n;
    while left > 0 {
        wait_msg(d, "hello")?;
        left -= 1;
    }
    Ok(webviews)
}

/// Round trips: the program posts `payload`, the page sends it back, `n` times. One sample per
/// trip, taken between consecutive arrivals.
pub fn round_trip(d: &mut dyn Driver, wv: u64, payload: &str, n: usize) -> Result<Samples, String> {
    let mut samples = Vec::with_capacity(n);
    let mut last = Instant::now();
    d.post(wv, "echo", payload);
    while samples.len() < n {
        let back = wait_msg(d, "echo")?;
        let now = Instant::now();
        samples.push(ns(now - last));
        last = now;
        if samples.len() < n {
            d.post(wv, "echo", &back);
        }
    }
    Ok(samples)
}

/// `n` small messages program -> page; one sample: first post to the page's report of the last.
pub fn host_to_page(d: &mut dyn Driver, wv: u64, n: usize, batched: bool) -> Result<Samples, String> {
    d.post(wv, "tick_n", &n.to_string());
    wait_msg(d, "tick_n")?;
    let start = Instant::now();
    d.post_many(wv, "tick", n, batched);
    let got = wait_msg(d, "ticks_done")?;
    let t = ns(start.elapsed());
    if got != n.to_string() {
        return Err(format!("page counted {got} ticks of {n}"));
    }
    Ok(vec![t])
}

/// `n` small messages page -> program, sent in one task; one sample: the request to the last.
pub fn page_to_host(d: &mut dyn Driver, wv: u64, n: usize) -> Result<Samples, String> {
    let start = Instant::now();
    d.post(wv, "flood", &n.to_string());
    let mut got = 0;
    while got < n {
        if let Ev::Msg { channel, .. } = d.next()? {
            if channel == "f" {
                got += 1;
            }
        }
    }
    Ok(vec![ns(start.elapsed())])
}

/// Page -> program calls, one after the other; one sample per call (between arrivals).
pub fn invoke_from_page(d: &mut dyn Driver, wv: u64, n: usize) -> Result<Samples, String> {
    let mut samples = Vec::with_capacity(n);
    let mut last = Instant::now();
    d.post(wv, "inv_loop", &n.to_string());
    loop {
        match d.next()? {
            Ev::Invoke { call, args, .. } => {
                let now = Instant::now();
                samples.push(ns(now - last));
                last = now;
                // The handler answers with its argument.
                let value = args.trim().trim_start_matches('[').trim_end_matches(']').to_owned();
                d.resolve(call, if value.is_empty() { "null" } else { &value });
            }
            Ev::Msg { channel, .. } if channel == "inv_done" => break,
            _ => {}
        }
    }
    Ok(samples)
}

/// Program -> page calls, one after the other; one sample per call.
pub fn invoke_to_page(d: &mut dyn Driver, wv: u64, n: usize) -> Result<Samples, String> {
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        let call = d.invoke(wv, "echo", &format!("[{i}]"));
        loop {
            match d.next()? {
                Ev::Result { call: c, value } if c == call => {
                    samples.push(ns(start.elapsed()));
                    if value.trim() != i.to_string() {
                        return Err(format!("call {i} answered {value}"));
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    Ok(samples)
}

/// `len` bytes program -> page; one sample: the send to the page's report of their length.
pub fn bytes_to_page(d: &mut dyn Driver, wv: u64, len: usize) -> Result<Samples, String> {
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let start = Instant::now();
    d.post_bytes(wv, "blob", &data);
    drop(data);
    let got = wait_msg(d, "blob_ok")?;
    let t = ns(start.elapsed());
    if got != len.to_string() {
        return Err(format!("page got {got} bytes of {len}"));
    }
    Ok(vec![t])
}

/// `len` bytes page -> program (made by the page before the clock starts); one sample: the
/// request to their arrival.
pub fn bytes_to_host(d: &mut dyn Driver, wv: u64, len: usize) -> Result<Samples, String> {
    d.post(wv, "blob_prep", &len.to_string());
    wait_msg(d, "blob_ready")?;
    let start = Instant::now();
    d.post(wv, "blob_go", "null");
    loop {
        if let Ev::Bytes { len: got, .. } = d.next()? {
            let t = ns(start.elapsed());
            if got != len {
                return Err(format!("program got {got} bytes of {len}"));
            }
            return Ok(vec![t]);
        }
    }
}

/// Opens `n` windows (each page says hello), timing until the last hello; closes them again
/// unless `keep`.
pub fn windows(d: &mut dyn Driver, n: usize, keep: bool) -> Result<Samples, String> {
    let start = Instant::now();
    let webviews = open_windows(d, n)?;
    let t = ns(start.elapsed());
    if !keep {
        for wv in webviews {
            d.close(wv);
        }
    }
    Ok(vec![t])
}

/// The payload of the round-trip workloads: a JSON string of `size` bytes of text.
pub fn payload(size: usize) -> String {
    if size <= 32 {
        return r#"{"n":1,"s":"ping"}"#.into();
    }
    let mut s = String::with_capacity(size + 2);
    s.push('"');
    s.extend(std::iter::repeat('x').take(size - 2));
    s.push('"');
    s
}

/// A command from the orchestrator.
#[derive(Deserialize, Debug, Clone)]
pub struct Task {
    pub w: String,
    #[serde(default)]
    pub n: usize,
    #[serde(default)]
    pub size: usize,
    #[serde(default)]
    pub batched: bool,
    #[serde(default)]
    pub keep: bool,
}

/// Runs one task on the first window `wv`.
pub fn run_task(d: &mut dyn Driver, wv: u64, t: &Task) -> Result<Samples, String> {
    match t.w.as_str() {
        "rt" => round_trip(d, wv, &payload(t.size), t.n),
        "h2p" => host_to_page(d, wv, t.n, t.batched),
        "p2h" => page_to_host(d, wv, t.n),
        "inv_p2h" => invoke_from_page(d, wv, t.n),
        "inv_h2p" => invoke_to_page(d, wv, t.n),
        "bytes_h2p" => bytes_to_page(d, wv, t.size),
        "bytes_p2h" => bytes_to_host(d, wv, t.size),
        "windows" => windows(d, t.n, t.keep),
        other => Err(format!("unknown task {other}")),
    }
}

/// The reply line of a task.
pub fn reply(result: &Result<Samples, String>) -> String {
    match result {
        Ok(samples) => format!("@@ {}", serde_json::json!({ "samples": samples })),
        Err(e) => format!("@@ {}", serde_json::json!({ "error": e })),
    }
}
