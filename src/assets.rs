//! Serving a webview's `assets` folder through the custom protocol (`transom://app/…`): MIME types
//! from the file name (mime_guess), byte ranges for media (RFC 9110 section 14), and a default
//! Content-Security-Policy that the program can replace. Which file a path may name is decided in
//! `crate::security`.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::security::{resolve_asset, PathRefusal};

/// The Content-Security-Policy sent with every asset unless the webview's `csp` option replaces
/// it: the page's own origin for everything, inline scripts and styles allowed (most apps have
/// them), data: and blob: images, no plugins, no framing by other sites, and the library's byte
/// transfers (`transom://ipc`).
pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self' transom://ipc; \
object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

/// An answer to an asset request.
pub(crate) struct AssetResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl AssetResponse {
    fn status(status: u16) -> AssetResponse {
        AssetResponse { status, headers: Vec::new(), body: Vec::new() }
    }
}

/// Answers `GET`/`HEAD` `url_path` from the folder `root`. `range` is the request's `Range`
/// header, `csp` the policy to send (`None`: none).
pub(crate) fn serve(root: &Path, method: &str, url_path: &str, range: Option<&str>, csp: Option<&str>) -> AssetResponse {
    if method != "GET" && method != "HEAD" {
        return AssetResponse::status(405);
    }
    let file = match resolve_asset(root, url_path) {
        Ok(file) => file,
        Err(PathRefusal::Forbidden) => return AssetResponse::status(403),
        Err(PathRefusal::NotFound) => return AssetResponse::status(404),
    };
    let mime = mime_guess::from_path(&file).first_or_octet_stream();
    let mut handle = match std::fs::File::open(&file) {
        Ok(handle) => handle,
        Err(_) => return AssetResponse::status(404),
    };
    let size = handle.metadata().map(|m| m.len()).unwrap_or(0);
    let mut headers = vec![("Content-Type", mime.essence_str().to_owned()), ("Accept-Ranges", "bytes".to_owned())];
    if let Some(csp) = csp {
        headers.push(("Content-Security-Policy", csp.to_owned()));
    }
    headers.push(("X-Content-Type-Options", "nosniff".to_owned()));
    let (status, start, len) = match range.map(|r| parse_range(r, size)) {
        None => (200, 0, size),
        Some(Some((start, end))) => {
            headers.push(("Content-Range", format!("bytes {start}-{end}/{size}")));
            (206, start, end - start + 1)
        }
        Some(None) => {
            headers.push(("Content-Range", format!("bytes */{size}")));
            return AssetResponse { status: 416, headers, body: Vec::new() };
        }
    };
    let mut body = Vec::new();
    if method == "GET" {
        let read = handle.seek(SeekFrom::Start(start)).and_then(|_| (&mut handle).take(len).read_to_end(&mut body));
        if read.is_err() {
            return AssetResponse::status(500);
        }
    }
    headers.push(("Content-Length", len.to_string()));
    AssetResponse { status, headers, body }
}

/// Parses a single byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against a file of `size`
/// bytes; `None` when it cannot be satisfied. Several ranges are answered with the first.
fn parse_range(header: &str, size: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?.split(',').next()?.trim();
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            if n == 0 {
                return None;
            }
            (size.saturating_sub(n), size.checked_sub(1)?)
        }
        (a, "") => (a.parse().ok()?, size.checked_sub(1)?),
        (a, b) => (a.parse().ok()?, b.parse::<u64>().ok()?.min(size.checked_sub(1)?)),
    };
    (start <= end && start < size).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=9-0", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
        assert_eq!(parse_range("bytes=0-0", 0), None);
    }

    #[test]
    fn serves_with_type_range_and_policy() {
        let dir = std::env::temp_dir().join(format!("transom-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hello</p>").unwrap();
        std::fs::write(dir.join("clip.mp4"), (0..=255u8).collect::<Vec<_>>()).unwrap();
        let r = serve(&dir, "GET", "/", None, Some(DEFAULT_CSP));
        assert_eq!(r.status, 200);
        assert_eq!(r.body, b"<p>hello</p>");
        assert!(r.headers.contains(&("Content-Type", "text/html".to_owned())));
        assert!(r.headers.iter().any(|(k, v)| *k == "Content-Security-Policy" && v == DEFAULT_CSP));
        let r = serve(&dir, "GET", "/clip.mp4", Some("bytes=10-19"), None);
        assert_eq!(r.status, 206);
        assert_eq!(r.body, (10..20u8).collect::<Vec<_>>());
        assert!(r.headers.contains(&("Content-Type", "video/mp4".to_owned())));
        assert!(r.headers.contains(&("Content-Range", "bytes 10-19/256".to_owned())));
        assert_eq!(serve(&dir, "GET", "/clip.mp4", Some("bytes=999-"), None).status, 416);
        assert_eq!(serve(&dir, "POST", "/", None, None).status, 405);
        assert_eq!(serve(&dir, "GET", "/../etc/passwd", None, None).status, 403);
        let _ = std::fs::remove_dir_all(dir);
    }
}
