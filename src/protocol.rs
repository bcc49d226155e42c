//! The host protocol (docs/protocol.md): one JSON command per line in, one JSON reply or event per
//! line out. One schema for `transom_send_json`, the `transom-host` binary and every binding.
//!
//! A command is a JSON object with `cmd`, an optional `req` number that the reply repeats, and the
//! fields of that command. Payload fields (`payload`, `args`, `value`, `options`, `props`) are kept
//! as raw JSON text: their syntax is checked, no tree is built from them.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::app::App;
use crate::error::{Error, ErrorCode, Result};
use crate::event::push_json_string;

/// The protocol version, sent in the `hello` line. Raised when a change would break a peer.
pub const PROTOCOL_VERSION: u32 = 1;

/// The first line `transom-host` writes: `{"type":"hello","protocol":1,"version":"0.1.0"}`.
pub fn hello_line() -> String {
    format!("{{\"type\":\"hello\",\"protocol\":{PROTOCOL_VERSION},\"version\":\"{}\"}}", crate::VERSION)
}

/// One command line, every field optional so that each command checks its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request<'a> {
    req: Option<u64>,
    cmd: Option<String>,
    window: Option<u64>,
    webview: Option<u64>,
    call: Option<u64>,
    #[serde(default, borrow, deserialize_with = "present")]
    options: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    props: Option<&'a RawValue>,
    script: Option<String>,
    url: Option<String>,
    channel: Option<String>,
    #[serde(default, borrow, deserialize_with = "present")]
    payload: Option<&'a RawValue>,
    name: Option<String>,
    #[serde(default, borrow, deserialize_with = "present")]
    args: Option<&'a RawValue>,
    timeout_ms: Option<u32>,
    #[serde(default, borrow, deserialize_with = "present")]
    value: Option<&'a RawValue>,
    message: Option<String>,
}

/// Keeps a present JSON `null` as `Some("null")`: only an absent field is `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// The fields each command takes (besides `req` and `cmd`): required, then optional.
const COMMANDS: &[(&str, &[&str], &[&str])] = &[
    ("window.create", &[], &["options"]),
    ("window.set", &["window", "props"], &[]),
    ("window.close", &["window"], &[]),
    ("webview.create", &["window"], &["options"]),
    ("webview.eval", &["webview", "script"], &[]),
    ("webview.navigate", &["webview", "url"], &[]),
    ("post", &["channel", "payload"], &["webview"]),
    ("invoke", &["webview", "name"], &["args", "timeout_ms"]),
    ("resolve", &["call"], &["value"]),
    ("reject", &["call", "message"], &[]),
    ("shutdown", &[], &[]),
];

impl Request<'_> {
    fn present(&self) -> Vec<&'static str> {
        let fields: [(&'static str, bool); 14] = [
            ("window", self.window.is_some()),
            ("webview", self.webview.is_some()),
            ("call", self.call.is_some()),
            ("options", self.options.is_some()),
            ("props", self.props.is_some()),
            ("script", self.script.is_some()),
            ("url", self.url.is_some()),
            ("channel", self.channel.is_some()),
            ("payload", self.payload.is_some()),
            ("name", self.name.is_some()),
            ("args", self.args.is_some()),
            ("timeout_ms", self.timeout_ms.is_some()),
            ("value", self.value.is_some()),
            ("message", self.message.is_some()),
        ];
        fields.iter().filter(|(_, p)| *p).map(|(n, _)| *n).collect()
    }

    /// Checks that exactly the fields of the command are present.
    fn check_fields(&self, cmd: &str) -> Result<()> {
        let Some((_, required, optional)) = COMMANDS.iter().find(|(name, ..)| *name == cmd) else {
            let known: Vec<&str> = COMMANDS.iter().map(|(n, ..)| *n).collect();
            return Err(Error::invalid_argument(format!("unknown command {cmd:?}; known: {}", known.join(", "))));
        };
        let present = self.present();
        if let Some(missing) = required.iter().find(|f| !present.contains(f)) {
            return Err(Error::invalid_argument(format!("{cmd}: missing field `{missing}`")));
        }
        if let Some(extra) = present.iter().find(|f| !required.contains(f) && !optional.contains(f)) {
            return Err(Error::invalid_argument(format!("{cmd}: unexpected field `{extra}`")));
        }
        Ok(())
    }
}

/// Executes one command line against `app` and returns the reply line (without newline).
/// Never fails: errors become `{"type":"error",…}` replies.
pub fn execute_line(app: &App, line: &str) -> String {
    let req = req_of(line);
    match execute_with_req(app, line) {
        Ok(reply) => reply,
        Err(error) => error_reply(req, &error),
    }
}

/// Executes one command and returns the `ok` reply; errors are returned as they are (used by
/// `transom_send_json`, which reports them through its result code).
pub fn execute(app: &App, line: &str) -> Result<String> {
    execute_with_req(app, line)
}

fn execute_with_req(app: &App, line: &str) -> Result<String> {
    serde_json::from_str::<&RawValue>(line).map_err(|e| Error::from_json("command", &e))?;
    if !line.trim_start().starts_with('{') {
        return Err(Error::invalid_argument("a command must be a JSON object"));
    }
    let request: Request<'_> = serde_json::from_str(line).map_err(|e| Error::from_json("command", &e))?;
    let cmd = request.cmd.as_deref().ok_or_else(|| Error::invalid_argument("command: missing field `cmd`"))?;
    request.check_fields(cmd)?;
    let mut reply = Reply::new(request.req);
    let r = &request;
    // check_fields guarantees that required fields are present.
    match cmd {
        "window.create" => {
            let window = app.create_window(r.options.map_or("{}", RawValue::get))?;
            reply.id("window", window);
        }
        "window.set" => app.set_window(r.window.unwrap_or(0), r.props.map_or("", RawValue::get))?,
        "window.close" => app.close_window(r.window.unwrap_or(0))?,
        "webview.create" => {
            let webview = app.create_webview(r.window.unwrap_or(0), r.options.map_or("{}", RawValue::get))?;
            reply.id("webview", webview);
        }
        "webview.eval" => app.eval(r.webview.unwrap_or(0), r.script.as_deref().unwrap_or(""))?,
        "webview.navigate" => app.navigate(r.webview.unwrap_or(0), r.url.as_deref().unwrap_or(""))?,
        "post" => app.post(
            r.webview.unwrap_or(0),
            r.channel.as_deref().unwrap_or(""),
            r.payload.map_or("null", RawValue::get),
        )?,
        "invoke" => {
            let call = app.invoke(
                r.webview.unwrap_or(0),
                r.name.as_deref().unwrap_or(""),
                r.args.map_or("[]", RawValue::get),
                r.timeout_ms.unwrap_or(0),
            )?;
            reply.id("call", call);
        }
        "resolve" => app.resolve(r.call.unwrap_or(0), r.value.map_or("null", RawValue::get))?,
        "reject" => app.reject(r.call.unwrap_or(0), r.message.as_deref().unwrap_or(""))?,
        "shutdown" => app.shutdown()?,
        _ => return Err(Error::new(ErrorCode::InvalidArgument, format!("unknown command {cmd:?}"))),
    }
    Ok(reply.finish())
}

/// Builds `{"type":"ok","req":n,…}`.
struct Reply(String);

impl Reply {
    fn new(req: Option<u64>) -> Reply {
        let mut s = String::from("{\"type\":\"ok\"");
        if let Some(req) = req {
            s.push_str(&format!(",\"req\":{req}"));
        }
        Reply(s)
    }
    fn id(&mut self, key: &str, id: u64) {
        self.0.push_str(&format!(",\"{key}\":{id}"));
    }
    fn finish(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `{"type":"error","req":n,"code":"TRANSOM_ERROR_…","message":…}`; `req` is left out when the line
/// had none (or could not be read).
pub fn error_reply(req: Option<u64>, error: &Error) -> String {
    let mut s = String::from("{\"type\":\"error\"");
    if let Some(req) = req {
        s.push_str(&format!(",\"req\":{req}"));
    }
    s.push_str(",\"code\":\"");
    s.push_str(error.code.name());
    s.push_str("\",\"message\":");
    push_json_string(&mut s, &error.message);
    s.push('}');
    s
}

/// The `req` of a line, even when the rest of it is wrong, so that an error reply can name it.
fn req_of(line: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct OnlyReq {
        req: Option<u64>,
    }
    serde_json::from_str::<OnlyReq>(line).ok().and_then(|r| r.req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked_per_command() {
        let parse = |line: &str| {
            let r: Request<'_> = serde_json::from_str(line).unwrap();
            let cmd = r.cmd.clone().unwrap();
            r.check_fields(&cmd)
        };
        assert!(parse(r#"{"cmd":"post","channel":"c","payload":{"a":1}}"#).is_ok());
        assert!(parse(r#"{"cmd":"post","channel":"c","payload":null}"#).is_ok());
        let r: Request<'_> = serde_json::from_str(r#"{"cmd":"invoke","webview":1,"name":"f","args":null}"#).unwrap();
        assert_eq!(r.args.map(RawValue::get), Some("null"));
        let err = parse(r#"{"cmd":"post","channel":"c"}"#).unwrap_err();
        assert!(err.message.contains("payload"), "{}", err.message);
        let err = parse(r#"{"cmd":"window.close","window":1,"url":"x"}"#).unwrap_err();
        assert!(err.message.contains("url"), "{}", err.message);
        let err = parse(r#"{"cmd":"fly"}"#).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidArgument);
    }

    #[test]
    fn error_replies_keep_req() {
        assert_eq!(req_of(r#"{"req":7,"cmd":"nope","x":[}"#), None);
        assert_eq!(req_of(r#"{"req":7,"cmd":"nope"}"#), Some(7));
        let reply = error_reply(Some(7), &Error::new(ErrorCode::NotFound, "no \"x\""));
        let v: serde_json::Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(v["req"], 7);
        assert_eq!(v["code"], "TRANSOM_ERROR_NOT_FOUND");
    }
}
