//! `transom-host`: the companion binary. It speaks the host protocol (docs/protocol.md) on its
//! standard streams: one JSON command per line on stdin; one JSON reply or event per line on
//! stdout, starting with a `hello` line; logs on stderr. It listens on no socket. When stdin closes
//! (or after a `shutdown` command) it closes its windows and exits.
//!
//! Usage: `transom-host [--options APP_OPTIONS_JSON]`, `transom-host --version`.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;

use parking_lot::Mutex;
use transom::protocol::{error_reply, execute_line, hello_line};
use transom::{App, Error, ErrorCode};

type Output = Arc<Mutex<BufWriter<std::io::Stdout>>>;

fn write_line(out: &mut BufWriter<std::io::Stdout>, line: &str) -> bool {
    out.write_all(line.as_bytes()).and_then(|_| out.write_all(b"\n")).is_ok()
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut options = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--version" | "-V" => {
                println!("transom-host {} (protocol {})", transom::VERSION, transom::protocol::PROTOCOL_VERSION);
                return ExitCode::SUCCESS;
            }
            "--options" => options = args.next(),
            "--help" | "-h" => {
                println!("usage: transom-host [--options APP_OPTIONS_JSON]\nSpeaks the transom host protocol on stdin/stdout (docs/protocol.md).");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("transom-host: unknown argument {other:?} (try --help)");
                return ExitCode::from(2);
            }
        }
    }

    let out: Output = Arc::new(Mutex::new(BufWriter::with_capacity(1 << 16, std::io::stdout())));
    {
        let mut o = out.lock();
        write_line(&mut o, &hello_line());
        let _ = o.flush();
    }
    let app = match App::new(options.as_deref()) {
        Ok(app) => app,
        Err(error) => {
            eprintln!("transom-host: cannot start: {error}");
            let mut o = out.lock();
            write_line(&mut o, &error_reply(None, &error));
            let _ = o.flush();
            return ExitCode::FAILURE;
        }
    };

    let events = {
        let (app, out) = (app.clone(), out.clone());
        std::thread::Builder::new()
            .name("transom-host-events".into())
            .spawn(move || forward_events(&app, &out))
            .expect("spawn the event thread")
    };

    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("transom-host: reading stdin failed: {e}");
                break;
            }
        }
        let text = match std::str::from_utf8(&line) {
            Ok(text) => text.trim(),
            Err(e) => {
                let error = Error::new(ErrorCode::InvalidUtf8, format!("command line is not UTF-8: {e}"));
                let mut o = out.lock();
                write_line(&mut o, &error_reply(None, &error));
                let _ = o.flush();
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        // The reply is written before any event the command causes: the event thread waits for
        // the lock held here.
        let mut o = out.lock();
        let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute_line(&app, text)))
            .unwrap_or_else(|_| error_reply(None, &Error::new(ErrorCode::Panic, "internal error while executing the command")));
        let ok = write_line(&mut o, &reply) && o.flush().is_ok();
        drop(o);
        if !ok {
            eprintln!("transom-host: stdout is closed");
            break;
        }
        if app.is_closed() {
            break;
        }
    }
    match app.shutdown() {
        // Every event is out once the event thread sees the queue closed.
        Ok(()) => {
            let _ = events.join();
        }
        // The GUI thread is stuck: exit without waiting for it.
        Err(error) => eprintln!("transom-host: shutdown: {error}"),
    }
    let _ = out.lock().flush();
    ExitCode::SUCCESS
}

/// The line of an event: its JSON, and for a binary message its bytes in a `base64` field.
fn event_line(event: &transom::Event) -> std::borrow::Cow<'_, str> {
    match event.bytes() {
        None => event.json().into(),
        Some(bytes) => {
            let json = event.json();
            let open = &json[..json.len() - 1];
            format!("{open},\"base64\":\"{}\"}}", transom::protocol::encode_base64(bytes)).into()
        }
    }
}

/// Writes every event as a line, flushing when no more are waiting.
fn forward_events(app: &App, out: &Output) {
    loop {
        let event = match app.next_event(None) {
            Ok(event) => event,
            Err(_) => return, // Closed: every event was written.
        };
        let mut o = out.lock();
        if !write_line(&mut o, &event_line(&event)) {
            return;
        }
        while let Ok(event) = app.next_event(Some(std::time::Duration::ZERO)) {
            if !write_line(&mut o, &event_line(&event)) {
                return;
            }
        }
        if o.flush().is_err() {
            return;
        }
    }
}
