//! The decoder of what a page posts through ipc (`transom::fuzzing::decode_page_post`): arbitrary
//! text, signed with the webview's secret or not. It must never panic; a post it accepts must be
//! the secret followed by a JSON array of objects, each with a string `t`.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let Some((&sign, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    // Most inputs are signed, so that the fuzzer spends its time on the JSON behind the secret.
    let body = if sign & 3 != 0 { format!("{SECRET}{text}") } else { text.to_owned() };
    match transom::fuzzing::decode_page_post(SECRET, &body) {
        Ok(kinds) => {
            let batch = body.strip_prefix(SECRET).expect("an accepted post is signed");
            // Payloads stay raw JSON text (numbers beyond f64 included): check with RawValue.
            type Message<'a> = HashMap<String, &'a RawValue>;
            let messages: Vec<Message<'_>> = serde_json::from_str(batch).expect("an accepted batch is an array of objects");
            assert_eq!(messages.len(), kinds.len());
            for (m, kind) in messages.iter().zip(&kinds) {
                let t: String = serde_json::from_str(m["t"].get()).expect("`t` is a string");
                assert_eq!(&t, kind);
            }
        }
        Err(reason) => {
            assert!(reason == "unsigned-message" || reason.starts_with("malformed-message: "), "{reason}");
            if reason == "unsigned-message" {
                assert!(!body.starts_with(SECRET));
            }
        }
    }
});
