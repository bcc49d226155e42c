//! The option parsers of apps, windows and webviews (`AppOptions::parse`, `WindowOptions::parse`,
//! `WebviewOptions::parse`): arbitrary text. They must never panic; options they accept are a JSON
//! object, and text that is not JSON is refused with `InvalidJson`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use transom::{AppOptions, ErrorCode, WebviewOptions, WindowOptions};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let result = match which % 4 {
        0 => AppOptions::parse(Some(text)).map(|_| ()),
        1 => WindowOptions::parse("window options", text).map(|_| ()),
        2 => WindowOptions::parse("window properties", text).map(|_| ()),
        _ => WebviewOptions::parse(text).map(|_| ()),
    };
    // JSON syntax as the library checks it (numbers out of f64's range are still JSON).
    let json = serde_json::from_str::<&serde_json::value::RawValue>(text);
    match result {
        Ok(()) => assert!(json.is_ok() && text.trim_start().starts_with('{'), "accepted options that are not an object: {text:?}"),
        Err(e) => {
            assert!(!e.message.is_empty());
            if json.is_err() {
                assert_eq!(e.code, ErrorCode::InvalidJson, "{text:?}: {e}");
            } else {
                assert_eq!(e.code, ErrorCode::InvalidArgument, "{text:?}: {e}");
            }
        }
    }
});
