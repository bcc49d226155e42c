//! Entry points for the fuzz targets in `fuzz/` (cargo fuzz) and for property tests: decoders of
//! text that comes from outside the program, reachable without a display. Not part of the API:
//! hidden from the docs, and may change at any time.
//!
//! The host-protocol decoder and the option parsers are public already
//! ([`crate::protocol::execute_line`], [`crate::AppOptions::parse`] and the like); what a page
//! sends is decoded on the GUI thread, so its decoder is reached through here.

/// Decodes one ipc post of a page as the GUI thread does: the webview's `secret`, then a JSON
/// array of messages. Returns the kinds (`t`) of the messages it held, or why the post is dropped.
pub fn decode_page_post(secret: &str, body: &str) -> Result<Vec<String>, String> {
    match crate::page::decode(secret, body) {
        Ok(messages) => Ok(messages.iter().map(|m| m.t.to_owned()).collect()),
        Err(crate::page::Rejected::Unsigned) => Err("unsigned-message".into()),
        Err(crate::page::Rejected::Malformed(detail)) => Err(format!("malformed-message: {detail}")),
    }
}
