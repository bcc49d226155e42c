//! Error codes and the error type of every fallible transom operation.
//!
//! The numbers of [`ErrorCode`] are part of the public contract: they are the values of the C
//! enum `transom_result` and the `code` strings of the host protocol. They are never renumbered;
//! new codes get new numbers.

use std::fmt;

/// What went wrong, as a stable number (C: `transom_result`) and a stable name (host protocol:
/// the `code` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    /// Success. Never carried by an [`Error`]; present so that the C enum and this one agree.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// A JSON argument or payload was not valid JSON text (RFC 8259).
    InvalidJson = 3,
    /// The JSON was valid but did not fit: unknown option, wrong type, missing field, bad value.
    /// The message names the offending field.
    InvalidArgument = 4,
    /// An id (window, webview, call) is unknown or already closed.
    NotFound = 5,
    /// The app has been shut down.
    Closed = 6,
    /// A wait ran out of time (no event pending, an invoke not answered in time).
    Timeout = 7,
    /// A message is larger than the app's `max_message_bytes`.
    TooLarge = 8,
    /// The operation is not supported on this platform or in this version.
    Unsupported = 9,
    /// The windowing system or the webview engine failed (no display, engine error).
    Platform = 10,
    /// A panic was caught inside transom; the operation did not complete.
    Panic = 11,
    /// A channel's receiver is behind: nothing was sent; send again after `channel-ready`.
    WouldBlock = 12,
    /// The call was cancelled by the side that made it.
    Cancelled = 13,
}

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::Ok,
        ErrorCode::NullArgument,
        ErrorCode::InvalidUtf8,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidArgument,
        ErrorCode::NotFound,
        ErrorCode::Closed,
        ErrorCode::Timeout,
        ErrorCode::TooLarge,
        ErrorCode::Unsupported,
        ErrorCode::Platform,
        ErrorCode::Panic,
        ErrorCode::WouldBlock,
        ErrorCode::Cancelled,
    ];

    /// The stable name, as in the C header and the host protocol: `"TRANSOM_ERROR_INVALID_JSON"`.
    pub fn name(self) -> &'static str {
        let s = self.name_with_nul();
        &s[..s.len() - 1]
    }

    /// The name followed by a NUL byte, for C callers.
    pub(crate) const fn name_with_nul(self) -> &'static str {
        match self {
            ErrorCode::Ok => "TRANSOM_OK\0",
            ErrorCode::NullArgument => "TRANSOM_ERROR_NULL_ARGUMENT\0",
            ErrorCode::InvalidUtf8 => "TRANSOM_ERROR_INVALID_UTF8\0",
            ErrorCode::InvalidJson => "TRANSOM_ERROR_INVALID_JSON\0",
            ErrorCode::InvalidArgument => "TRANSOM_ERROR_INVALID_ARGUMENT\0",
            ErrorCode::NotFound => "TRANSOM_ERROR_NOT_FOUND\0",
            ErrorCode::Closed => "TRANSOM_ERROR_CLOSED\0",
            ErrorCode::Timeout => "TRANSOM_ERROR_TIMEOUT\0",
            ErrorCode::TooLarge => "TRANSOM_ERROR_TOO_LARGE\0",
            ErrorCode::Unsupported => "TRANSOM_ERROR_UNSUPPORTED\0",
            ErrorCode::Platform => "TRANSOM_ERROR_PLATFORM\0",
            ErrorCode::Panic => "TRANSOM_ERROR_PANIC\0",
            ErrorCode::WouldBlock => "TRANSOM_ERROR_WOULD_BLOCK\0",
            ErrorCode::Cancelled => "TRANSOM_ERROR_CANCELLED\0",
        }
    }

    /// The code with this number, if there is one.
    pub fn from_u32(n: u32) -> Option<ErrorCode> {
        ErrorCode::ALL.get(n as usize).copied()
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed transom operation: a stable [`ErrorCode`] and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Error {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// What exactly failed, naming the argument, option or id concerned.
    pub message: String,
}

impl Error {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error { code, message: message.into() }
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    pub(crate) fn not_found(what: &str, id: u64) -> Error {
        Error::new(ErrorCode::NotFound, format!("no open {what} with id {id}"))
    }

    pub(crate) fn closed() -> Error {
        Error::new(ErrorCode::Closed, "the app has been shut down")
    }

    /// Classifies a serde_json error: syntax errors are `InvalidJson`, well-formed JSON of the
    /// wrong shape is `InvalidArgument`. `what` names the argument ("window options").
    pub(crate) fn from_json(what: &str, err: &serde_json::Error) -> Error {
        use serde_json::error::Category;
        let code = match err.classify() {
            Category::Syntax | Category::Eof | Category::Io => ErrorCode::InvalidJson,
            Category::Data => ErrorCode::InvalidArgument,
        };
        let detail = match code {
            ErrorCode::InvalidJson => "is not valid JSON",
            _ => "is invalid",
        };
        Error::new(code, format!("{what} {detail}: {err}"))
    }
}

/// The result type of transom operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
