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
use crate::json::{push_json_string, JsonObject};

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
    /// A channel name (`post`) or a channel id (`channel.send`, `channel.close`).
    channel: Option<NameOrId>,
    #[serde(default, borrow, deserialize_with = "present")]
    payload: Option<&'a RawValue>,
    name: Option<String>,
    #[serde(default, borrow, deserialize_with = "present")]
    args: Option<&'a RawValue>,
    timeout_ms: Option<u32>,
    #[serde(default, borrow, deserialize_with = "present")]
    value: Option<&'a RawValue>,
    message: Option<String>,
    key: Option<String>,
    /// Bytes, base64-encoded (RFC 4648 with padding), in place of `payload`.
    base64: Option<String>,
    /// The id of an `asset-request` (`asset.respond`).
    request: Option<u64>,
    /// An HTTP status (`asset.respond`).
    status: Option<u16>,
    /// Response headers, a JSON object of strings (`asset.respond`).
    #[serde(default, borrow, deserialize_with = "present")]
    headers: Option<&'a RawValue>,
}

/// `channel` is a name in `post` and an id in the `channel.*` commands.
#[derive(Deserialize)]
#[serde(untagged)]
enum NameOrId {
    Id(u64),
    Name(String),
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
    ("webview.set", &["webview", "props"], &[]),
    ("webview.eval", &["webview", "script"], &[]),
    ("webview.navigate", &["webview", "url"], &[]),
    ("post", &["channel"], &["webview", "window", "payload", "base64"]),
    ("handle", &["name"], &[]),
    ("unhandle", &["name"], &[]),
    ("invoke", &["webview", "name"], &["args", "timeout_ms"]),
    ("invoke.cancel", &["call"], &[]),
    ("resolve", &["call"], &["value"]),
    ("reject", &["call", "message"], &[]),
    ("state.set", &["key", "value"], &[]),
    ("state.get", &["key"], &[]),
    ("channel.open", &["webview", "name"], &[]),
    ("channel.send", &["channel"], &["payload", "base64"]),
    ("channel.close", &["channel"], &[]),
    ("asset.respond", &["request", "status"], &["headers", "base64"]),
    ("shutdown", &[], &[]),
];

impl Request<'_> {
    fn present(&self) -> Vec<&'static str> {
        let fields: [(&'static str, bool); 19] = [
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
            ("key", self.key.is_some()),
            ("base64", self.base64.is_some()),
            ("request", self.request.is_some()),
            ("status", self.status.is_some()),
            ("headers", self.headers.is_some()),
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
        for pair in [["payload", "base64"], ["webview", "window"]] {
            if pair.iter().all(|f| present.contains(f)) {
                return Err(Error::invalid_argument(format!("{cmd}: `{}` and `{}` exclude each other", pair[0], pair[1])));
            }
        }
        if matches!(cmd, "post" | "channel.send") && !present.contains(&"payload") && !present.contains(&"base64") {
            return Err(Error::invalid_argument(format!("{cmd}: missing field `payload` (or `base64`)")));
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
    let mut reply = JsonObject::with_capacity(48).string("type", "ok");
    if let Some(req) = request.req {
        reply = reply.id("req", req);
    }
    let r = &request;
    // check_fields guarantees that required fields are present.
    let text = |field: &Option<String>| field.as_deref().unwrap_or("").to_owned();
    let id = |field: Option<u64>| field.unwrap_or(0);
    match cmd {
        "window.create" => reply = reply.id("window", app.create_window(raw(r.options, "{}"))?),
        "window.set" => app.set_window(id(r.window), raw(r.props, ""))?,
        "window.close" => app.close_window(id(r.window))?,
        "webview.create" => reply = reply.id("webview", app.create_webview(id(r.window), raw(r.options, "{}"))?),
        "webview.set" => app.set_webview(id(r.webview), raw(r.props, ""))?,
        "webview.eval" => app.eval(id(r.webview), &text(&r.script))?,
        "webview.navigate" => app.navigate(id(r.webview), &text(&r.url))?,
        "post" => {
            let channel = r.channel_name()?;
            match (&r.base64, r.window) {
                (Some(encoded), _) if r.window.is_none() => app.post_bytes(id(r.webview), channel, &decode_base64(encoded)?)?,
                (Some(_), _) => return Err(Error::invalid_argument("post: bytes (`base64`) go to a `webview`, not a `window`")),
                (None, Some(window)) => app.post_window(window, channel, raw(r.payload, "null"))?,
                (None, None) => app.post(id(r.webview), channel, raw(r.payload, "null"))?,
            }
        }
        "invoke" => {
            let call = app.invoke(id(r.webview), &text(&r.name), raw(r.args, "[]"), r.timeout_ms.unwrap_or(0))?;
            reply = reply.id("call", call);
        }
        "invoke.cancel" => app.cancel_invoke(id(r.call))?,
        "handle" => app.handle(&text(&r.name))?,
        "unhandle" => app.unhandle(&text(&r.name))?,
        "resolve" => app.resolve(id(r.call), raw(r.value, "null"))?,
        "reject" => app.reject(id(r.call), &text(&r.message))?,
        "state.set" => reply = reply.id("version", app.set_state(&text(&r.key), raw(r.value, "null"))?),
        "state.get" => reply = reply.raw("value", &app.state(&text(&r.key))?),
        "channel.open" => reply = reply.id("channel", app.open_channel(id(r.webview), &text(&r.name))?),
        "channel.send" => {
            let channel = r.channel_id()?;
            match &r.base64 {
                Some(encoded) => app.send_channel_bytes(channel, &decode_base64(encoded)?)?,
                None => app.send_channel(channel, raw(r.payload, "null"))?,
            }
        }
        "channel.close" => app.close_channel(r.channel_id()?)?,
        "asset.respond" => {
            let body = match &r.base64 {
                Some(encoded) => decode_base64(encoded)?,
                None => Vec::new(),
            };
            app.respond_asset(id(r.request), r.status.unwrap_or(0), r.headers.map(RawValue::get), &body)?
        }
        "shutdown" => app.shutdown()?,
        _ => return Err(Error::new(ErrorCode::InvalidArgument, format!("unknown command {cmd:?}"))),
    }
    Ok(reply.finish())
}

impl Request<'_> {
    fn channel_name(&self) -> Result<&str> {
        match &self.channel {
            Some(NameOrId::Name(name)) => Ok(name),
            _ => Err(Error::invalid_argument("post: `channel` must be a channel name (a string)")),
        }
    }
    fn channel_id(&self) -> Result<u64> {
        match &self.channel {
            Some(NameOrId::Id(id)) => Ok(*id),
            _ => Err(Error::invalid_argument("`channel` must be a channel id (an integer)")),
        }
    }
}

/// The text of a raw JSON field, or `default` when absent.
fn raw<'a>(field: Option<&'a RawValue>, default: &'a str) -> &'a str {
    field.map_or(default, RawValue::get)
}

/// Decodes the `base64` field (RFC 4648, standard alphabet, with padding).
fn decode_base64(text: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| Error::invalid_argument(format!("`base64` is not base64: {e}")))
}

/// Encodes bytes for an event line (`transom-host` adds them to events with `bytes`).
pub fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
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
