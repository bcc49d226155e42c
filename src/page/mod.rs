//! The page side of the message layer: the `window.host` runtime injected into pages, and the
//! wire format between it and the GUI thread (docs/protocol.md, "Page wire format").
//!
//! Host -> page messages are JSON objects built here by splicing payloads that were checked to be
//! JSON, so no page script can be injected through a payload. Page -> host messages are decoded
//! here with payloads kept as raw JSON text.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::json::JsonObject;

/// The runtime source, with placeholders the library fills in (`runtime_script`).
const HOST_JS: &str = include_str!("host.js");

/// How many bytes (host -> page) or JSON characters (page -> host) a channel lets its sender have
/// in flight, not yet taken by the receiver: 4 MiB. A message larger than that may still go when
/// nothing is in flight, alone.
pub(crate) const CHANNEL_WINDOW: u64 = 4 * 1024 * 1024;

/// The runtime for one webview: signed with `secret`, starting from the shared state `state`
/// (a JSON object `{key: [version, value]}`), refusing messages over `max_message_bytes`, and
/// defining `window.host` only in pages whose origin matches one of `origins` (normalised
/// patterns, see `crate::security::origin_allowed`).
pub(crate) fn runtime_script(secret: &str, state: &str, max_message_bytes: usize, origins: &[String]) -> String {
    let origins = serde_json::to_string(origins).unwrap_or_else(|_| "[]".into());
    // The state goes in last: its values are the program's and pages' text, which may contain
    // anything, the other placeholders included.
    HOST_JS
        .replace("__TRANSOM_SECRET__", secret)
        .replace("__TRANSOM_MAX_MESSAGE_BYTES__", &max_message_bytes.to_string())
        .replace("__TRANSOM_CHANNEL_WINDOW__", &CHANNEL_WINDOW.to_string())
        .replace("__TRANSOM_ORIGINS__", &origins)
        .replace("__TRANSOM_STATE__", state)
}

/// Bytes on their way between a page and the library, served by the `transom://ipc/` protocol.
#[derive(Debug, Default)]
pub(crate) struct Blobs {
    /// Bodies the page posted, by the page's upload id, until its message refers to them.
    pub uploads: HashMap<u64, Vec<u8>>,
    /// Bytes for the page, by download id, until the page fetches them (once).
    pub downloads: HashMap<u64, Vec<u8>>,
    /// The last download id given out.
    pub last_download: u64,
}

/// A fresh secret: 128 random bits from the operating system, as 32 hex digits.
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: std's per-process random hash keys, still unknown to the page.
        use std::hash::{BuildHasher, RandomState};
        let state = RandomState::new();
        bytes[..8].copy_from_slice(&state.hash_one(std::time::SystemTime::now()).to_le_bytes());
        bytes[8..].copy_from_slice(&state.hash_one(std::process::id()).to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds a host -> page message: `{"t":KIND,…}`.
pub(crate) fn message(kind: &str, capacity: usize) -> JsonObject {
    JsonObject::with_capacity(capacity + 24).string("t", kind)
}

/// A posted message: `{"t":"send","c":channel,"d":payload}`.
pub(crate) fn send_message(channel: &str, payload: &str) -> String {
    message("send", payload.len() + channel.len()).string("c", channel).raw("d", payload).finish()
}

/// A host -> page call: `{"t":"invoke","id":call,"n":name,"a":args}`.
pub(crate) fn invoke_message(call: u64, name: &str, args: &str) -> String {
    message("invoke", args.len() + name.len()).id("id", call).string("n", name).raw("a", args).finish()
}

/// The answer to a page's call: `{"t":"result","id":id,"ok":true,"v":value}` or
/// `{"t":"result","id":id,"ok":false,"e":message}`.
pub(crate) fn result_message(page_call: u64, result: &Result<String, String>) -> String {
    let m = message("result", 16).id("id", page_call);
    match result {
        Ok(value) => m.boolean("ok", true).raw("v", value).finish(),
        Err(error) => m.boolean("ok", false).string("e", error).finish(),
    }
}

/// Adds the download id of its bytes to a message: `{…,"b":download}`.
pub(crate) fn with_download(mut message: String, download: u64) -> String {
    message.pop(); // the closing brace
    message.push_str(&format!(",\"b\":{download}}}"));
    message
}

/// The script that delivers a batch of messages to a page, in order, in one evaluation:
/// `window.__transom_receive('SECRET','[MESSAGE,…]');`, written into one buffer.
///
/// The batch goes as the text of a JSON array in a string, which the runtime hands to
/// `JSON.parse`: JavaScriptCore parses JSON text about ten times faster than it compiles the same
/// array written as a literal in the script (docs/benchmarks.md), and a string cannot run as code
/// whatever it holds.
pub(crate) struct Delivery {
    script: String,
    /// Length of the script with no message in it yet.
    head: usize,
}

impl Delivery {
    /// A script for `secret`'s page, with room for `capacity` bytes of messages (each message's
    /// length plus one).
    pub(crate) fn new(secret: &str, capacity: usize) -> Delivery {
        // Escapes add a little: a backslash for each backslash and quote of the messages.
        let mut script = String::with_capacity(capacity + capacity / 32 + secret.len() + 40);
        script.push_str("window.__transom_receive('");
        push_js_string(&mut script, secret);
        script.push_str("','[");
        let head = script.len();
        Delivery { script, head }
    }

    /// Adds a message (a JSON object).
    pub(crate) fn push(&mut self, message: &str) {
        if !self.is_empty() {
            self.script.push(',');
        }
        push_js_string(&mut self.script, message);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.script.len() == self.head
    }

    /// The script with the messages added so far; the batch starts again empty.
    pub(crate) fn take(&mut self) -> String {
        let empty = self.script[..self.head].to_owned();
        let mut script = std::mem::replace(&mut self.script, empty);
        script.push_str("]');");
        script
    }
}

/// Appends `text` as the inside of a single-quoted JavaScript string literal. JSON has few
/// backslashes and single quotes, so the text mostly goes as it is.
fn push_js_string(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut done = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (escape, len): (&str, usize) = match bytes[i] {
            b'\\' => ("\\\\", 1),
            b'\'' => ("\\'", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            // U+2028 and U+2029 end a line in older JavaScript parsers.
            0xE2 if bytes.get(i + 1..i + 3) == Some(&[0x80, 0xA8]) => ("\\u2028", 3),
            0xE2 if bytes.get(i + 1..i + 3) == Some(&[0x80, 0xA9]) => ("\\u2029", 3),
            c if c < 0x20 => {
                out.push_str(&text[done..i]);
                out.push_str(&format!("\\x{c:02x}"));
                i += 1;
                done = i;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[done..i]);
        out.push_str(escape);
        i += len;
        done = i;
    }
    out.push_str(&text[done..]);
}

/// One message from a page, payloads as raw JSON text. Which fields a kind carries is in
/// docs/protocol.md, "Page wire format".
#[derive(Debug, Deserialize)]
pub(crate) struct PageMessage<'a> {
    /// `ready`, `send`, `invoke`, `cancel`, `result`, `open`, `chmsg`, `ack`, `chclose`, `state`.
    pub t: &'a str,
    /// Channel of `send`.
    pub c: Option<String>,
    /// Payload of `send`.
    #[serde(default, borrow, deserialize_with = "present")]
    pub d: Option<&'a RawValue>,
    /// The page's call id (`invoke`) or the host's call id (`result`).
    pub id: Option<u64>,
    /// Handler name of `invoke`.
    pub n: Option<String>,
    /// Arguments of `invoke` (a JSON array).
    #[serde(default, borrow, deserialize_with = "present")]
    pub a: Option<&'a RawValue>,
    /// Whether a `result` is a success.
    pub ok: Option<bool>,
    /// Value of a successful `result`.
    #[serde(default, borrow, deserialize_with = "present")]
    pub v: Option<&'a RawValue>,
    /// Message of a failed `result`.
    pub e: Option<String>,
    /// Upload id of a binary payload (`send`, `chmsg`), in place of `d`.
    pub b: Option<u64>,
    /// Channel id (`chmsg`, `ack`, `chclose`).
    pub ch: Option<u64>,
    /// The page's tag for a channel it opens (`open`).
    pub tag: Option<u64>,
    /// Charge of a channel message, or charge taken (`ack`).
    pub z: Option<u64>,
    /// State key (`state`).
    pub k: Option<String>,
    /// Reason of a `chclose`.
    pub r: Option<String>,
}

/// Keeps a present JSON `null` as `Some("null")`: only an absent field is `None`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// Why a page's ipc post was dropped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Rejected {
    /// The post did not start with the webview's secret.
    Unsigned,
    /// Signed, but not a JSON array of messages.
    Malformed(String),
}

/// Decodes one ipc post: the secret, then a JSON array of messages.
pub(crate) fn decode<'a>(secret: &str, body: &'a str) -> Result<Vec<PageMessage<'a>>, Rejected> {
    let batch = body.strip_prefix(secret).ok_or(Rejected::Unsigned)?;
    serde_json::from_str(batch).map_err(|e| Rejected::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_signed_batches_only() {
        let body = r#"abc[{"t":"send","c":"x","d":{"k":[1,2]}},{"t":"invoke","id":1,"n":"f","a":[1]}]"#;
        let messages = decode("abc", body).unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].d.unwrap().get(), r#"{"k":[1,2]}"#);
        assert_eq!(messages[1].a.unwrap().get(), "[1]");
        let null = decode("abc", r#"abc[{"t":"send","c":"x","d":null}]"#).unwrap();
        assert_eq!(null[0].d.map(|d| d.get()), Some("null"));
        assert_eq!(decode("xyz", body).unwrap_err(), Rejected::Unsigned);
        assert!(matches!(decode("abc", "abc{oops"), Err(Rejected::Malformed(_))));
    }

    #[test]
    fn host_messages_are_json() {
        let scripts = [
            message("opened", 0).id("tag", 1).id("ch", 9).finish(),
            send_message("ch\"</script>", r#"{"a":1}"#),
            invoke_message(7, "name", "[1,2]"),
            result_message(3, &Ok("null".into())),
            result_message(3, &Err("boom \"quoted\"".into())),
        ];
        for s in &scripts {
            serde_json::from_str::<serde_json::Value>(s).unwrap();
        }
        let mut delivery = Delivery::new("00ff", 0);
        assert!(delivery.is_empty());
        for s in &scripts {
            delivery.push(s);
        }
        assert!(!delivery.is_empty());
        let script = delivery.take();
        assert!(delivery.is_empty());
        let batch = script.strip_prefix("window.__transom_receive('00ff','").and_then(|s| s.strip_suffix("');")).unwrap();
        let batch: Vec<serde_json::Value> = serde_json::from_str(&unquote(batch)).unwrap();
        assert_eq!(batch.len(), scripts.len());
        assert_eq!(batch[1]["c"], "ch\"</script>");
    }

    /// Reads back what `push_js_string` wrote (the escapes it uses only).
    fn unquote(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            assert!(c != '\'' && c != '\n' && c != '\r' && c != '\u{2028}' && c != '\u{2029}', "unescaped {c:?}");
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next().unwrap() {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                'x' => out.push(char::from(u8::from_str_radix(&chars.by_ref().take(2).collect::<String>(), 16).unwrap())),
                'u' => out.push(char::from_u32(u32::from_str_radix(&chars.by_ref().take(4).collect::<String>(), 16).unwrap()).unwrap()),
                c => out.push(c),
            }
        }
        out
    }

    #[test]
    fn batches_are_quoted() {
        let tricky = "{\"t\":\"send\",\"c\":\"it's\",\"d\":[\"a\\\\b\\\"\\n\",\n\t\"\u{2028}\u{2029}\u{1}é😀\"]}";
        let mut delivery = Delivery::new("00ff", tricky.len());
        delivery.push(tricky);
        delivery.push(tricky);
        let script = delivery.take();
        let inner = script.strip_prefix("window.__transom_receive('00ff','").and_then(|s| s.strip_suffix("');")).unwrap();
        assert!(!inner.contains('\n') && !inner.contains('\u{2028}'));
        assert_eq!(unquote(inner), format!("[{tricky},{tricky}]"));
    }

    #[test]
    fn state_text_is_never_rewritten() {
        let state = r#"{"k":[1,"__TRANSOM_CHANNEL_WINDOW__ __TRANSOM_MAX_MESSAGE_BYTES__ __TRANSOM_SECRET__"]}"#;
        let script = runtime_script("abc", state, 10, &["null".to_owned()]);
        assert!(script.contains(state));
    }

    #[test]
    fn secrets_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
