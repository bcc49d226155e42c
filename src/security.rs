//! Security decisions made in Rust, on the GUI thread: which file an asset path may name, which
//! URLs a navigation allow-list lets through, and which origins may use the bridge.

use std::path::{Component, Path, PathBuf};

/// Why an asset path was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PathRefusal {
    /// The path tries to leave the folder or is malformed (`..`, encoded separators, NUL,
    /// backslashes, absolute paths): 403.
    Forbidden,
    /// Nothing is there: 404.
    NotFound,
}

/// Resolves the URL path `url_path` (as requested, percent-encoded) to a file inside `root`.
///
/// Every segment is percent-decoded on its own; a decoded segment that is `.`, `..`, empty in the
/// middle, or holds `/`, `\` or NUL is refused, so neither `..` nor its encodings (`%2e%2e`,
/// `%2f`, `%5c`) can climb out. The result is canonicalised (symlinks resolved) and must still be
/// inside the canonical `root`: a symlink that leads out is refused too. A folder means its
/// `index.html`.
pub(crate) fn resolve_asset(root: &Path, url_path: &str) -> Result<PathBuf, PathRefusal> {
    let root = root.canonicalize().map_err(|_| PathRefusal::NotFound)?;
    let mut relative = PathBuf::new();
    let trimmed = url_path.strip_prefix('/').unwrap_or(url_path);
    for (i, raw) in trimmed.split('/').enumerate() {
        let segment = percent_encoding::percent_decode_str(raw).decode_utf8().map_err(|_| PathRefusal::Forbidden)?;
        let last = i == trimmed.split('/').count() - 1;
        if segment.is_empty() {
            if last {
                continue; // a trailing slash: the folder itself
            }
            return Err(PathRefusal::Forbidden);
        }
        if segment == "." || segment == ".." || segment.contains(['/', '\\', '\0']) || segment.contains(':') && cfg!(windows) {
            return Err(PathRefusal::Forbidden);
        }
        let component = Path::new(segment.as_ref());
        if component.components().count() != 1 || !matches!(component.components().next(), Some(Component::Normal(_))) {
            return Err(PathRefusal::Forbidden);
        }
        relative.push(component);
    }
    let mut candidate = root.join(&relative);
    if candidate.is_dir() {
        candidate.push("index.html");
    }
    let real = candidate.canonicalize().map_err(|_| PathRefusal::NotFound)?;
    if !real.starts_with(&root) {
        return Err(PathRefusal::Forbidden);
    }
    if !real.is_file() {
        return Err(PathRefusal::NotFound);
    }
    Ok(real)
}

/// Whether `url` matches an allow-list pattern. A pattern is a URL prefix, where `*` in the host
/// stands for one or more labels: `https://example.com/docs/` allows everything under that path,
/// `https://*.example.com` every subdomain of example.com (not example.com itself), and `*`
/// everything.
pub(crate) fn url_allowed(url: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| pattern_matches(p, url))
}

fn pattern_matches(pattern: &str, url: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some((p_scheme, p_rest)) = pattern.split_once("://") else { return url.starts_with(pattern) };
    let Some((u_scheme, u_rest)) = url.split_once("://") else { return false };
    if !p_scheme.eq_ignore_ascii_case(u_scheme) {
        return false;
    }
    let (p_host, p_path) = p_rest.split_at(p_rest.find('/').unwrap_or(p_rest.len()));
    let (u_host, u_path) = u_rest.split_at(u_rest.find(['/', '?', '#']).unwrap_or(u_rest.len()));
    let host_ok = match p_host.strip_prefix("*.") {
        Some(suffix) => u_host.len() > suffix.len() + 1 && u_host.to_ascii_lowercase().ends_with(&format!(".{}", suffix.to_ascii_lowercase())),
        None => p_host.eq_ignore_ascii_case(u_host),
    };
    host_ok && u_path.starts_with(p_path)
}

/// The origin of `url` as a page at that URL sees it in `location.origin` (the HTML Standard's
/// ASCII serialization of an origin): `scheme://host[:port]`, lowercase, without the scheme's
/// default port; `file://` for files; `null` for opaque origins (`about:`, `data:`, `javascript:`
/// and anything without an authority). `blob:` URLs have the origin of the URL they wrap.
pub(crate) fn origin_of(url: &str) -> String {
    let url = url.strip_prefix("blob:").unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else { return "null".into() };
    let scheme = scheme.to_ascii_lowercase();
    if scheme == "file" {
        return "file://".into();
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host).to_ascii_lowercase();
    if host_port.is_empty() {
        return "null".into();
    }
    let default_port = match scheme.as_str() {
        "http" | "ws" => Some(":80"),
        "https" | "wss" => Some(":443"),
        _ => None,
    };
    let host_port = match default_port {
        Some(port) => host_port.strip_suffix(port).unwrap_or(&host_port).to_owned(),
        None => host_port,
    };
    format!("{scheme}://{host_port}")
}

/// Checks one `allowed_origins` pattern: `*` (every origin), `null` (opaque origins such as
/// `data:` and HTML given as a string), an exact origin (`https://example.com`,
/// `http://localhost:8080`) or a subdomain pattern (`https://*.example.com`, which does not
/// include `example.com` itself). A pattern has no path; a trailing `/` is tolerated and removed.
pub(crate) fn normalize_origin_pattern(pattern: &str) -> std::result::Result<String, String> {
    let pattern = pattern.strip_suffix('/').unwrap_or(pattern);
    if pattern == "*" || pattern == "null" {
        return Ok(pattern.to_owned());
    }
    let Some((scheme, host)) = pattern.split_once("://") else {
        return Err(format!("{pattern:?} is not an origin (scheme://host[:port], `*` or `null`)"));
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = (!bare.is_empty() || scheme.eq_ignore_ascii_case("file"))
        && bare.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c));
    if !scheme_ok || !host_ok {
        return Err(format!("{pattern:?} is not an origin pattern: scheme://host[:port] or scheme://*.domain, no path"));
    }
    Ok(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// Whether `origin` (as [`origin_of`] gives it) matches one of `patterns` (normalised by
/// [`normalize_origin_pattern`]). The page runtime (`src/page/host.js`, `originAllowed`) makes
/// the same decision in the page, so that a page of another origin never gets `window.host`.
pub(crate) fn origin_allowed(origin: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| {
        if p == "*" || p == origin {
            return true;
        }
        match p.split_once("://*.") {
            Some((scheme, domain)) => origin
                .strip_prefix(scheme)
                .and_then(|o| o.strip_prefix("://"))
                .and_then(|host| host.strip_suffix(domain))
                .and_then(|sub| sub.strip_suffix('.'))
                .is_some_and(|sub| !sub.is_empty() && !sub.contains([':', '/'])),
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempdir::Dir {
        tempdir::Dir::new()
    }

    /// A throwaway folder with `index.html`, `css/site.css`, a secret beside it and a symlink out.
    mod tempdir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let base = std::env::temp_dir().join(format!("transom-security-{}-{:?}", std::process::id(), std::thread::current().id()));
                let _ = std::fs::remove_dir_all(&base);
                std::fs::create_dir_all(base.join("root/css")).unwrap();
                std::fs::write(base.join("root/index.html"), "<h1>index</h1>").unwrap();
                std::fs::write(base.join("root/css/site.css"), "body{}").unwrap();
                std::fs::write(base.join("root/a b.txt"), "space").unwrap();
                std::fs::write(base.join("secret.txt"), "secret").unwrap();
                #[cfg(unix)]
                std::os::unix::fs::symlink(base.join("secret.txt"), base.join("root/link.txt")).unwrap();
                Dir(base)
            }
            pub fn root(&self) -> std::path::PathBuf {
                self.0.join("root")
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    #[test]
    fn real_files_resolve() {
        let t = tree();
        let root = t.root().canonicalize().unwrap();
        assert_eq!(resolve_asset(&t.root(), "/").unwrap(), root.join("index.html"));
        assert_eq!(resolve_asset(&t.root(), "/css/site.css").unwrap(), root.join("css/site.css"));
        assert_eq!(resolve_asset(&t.root(), "/css/").unwrap_err(), PathRefusal::NotFound);
        assert_eq!(resolve_asset(&t.root(), "/a%20b.txt").unwrap(), root.join("a b.txt"));
        assert_eq!(resolve_asset(&t.root(), "/missing.js").unwrap_err(), PathRefusal::NotFound);
    }

    #[test]
    fn nothing_outside_the_folder() {
        let t = tree();
        for path in [
            "/../secret.txt",
            "/css/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/..%2fsecret.txt",
            "/%2e%2e%2fsecret.txt",
            "/..%5csecret.txt",
            "/..\\secret.txt",
            "/css//site.css",
            "/%00index.html",
            "/index.html%00",
            "/./index.html",
            "//etc/passwd",
            "/%2fetc%2fpasswd",
        ] {
            assert_eq!(resolve_asset(&t.root(), path), Err(PathRefusal::Forbidden), "{path}");
        }
        #[cfg(unix)]
        assert_eq!(resolve_asset(&t.root(), "/link.txt"), Err(PathRefusal::Forbidden));
    }

    #[test]
    fn url_patterns() {
        let allow = |p: &[&str], u: &str| url_allowed(u, &p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(allow(&["https://example.com"], "https://example.com/a?b"));
        assert!(!allow(&["https://example.com"], "https://example.com.evil.net/"));
        assert!(!allow(&["https://example.com"], "http://example.com/"));
        assert!(allow(&["https://*.example.com"], "https://docs.example.com/x"));
        assert!(!allow(&["https://*.example.com"], "https://example.com/x"));
        assert!(!allow(&["https://*.example.com"], "https://evilexample.com/x"));
        assert!(allow(&["https://example.com/docs/"], "https://example.com/docs/a"));
        assert!(!allow(&["https://example.com/docs/"], "https://example.com/admin"));
        assert!(allow(&["*"], "anything:at-all"));
        assert!(allow(&["transom://app"], "transom://app/index.html"));
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://Example.com:443/a?b#c"), "https://example.com");
        assert_eq!(origin_of("http://localhost:8080/x"), "http://localhost:8080");
        assert_eq!(origin_of("http://user:pw@host/x"), "http://host");
        assert_eq!(origin_of("transom://app/index.html"), "transom://app");
        assert_eq!(origin_of("file:///tmp/a.html"), "file://");
        assert_eq!(origin_of("about:blank"), "null");
        assert_eq!(origin_of("data:text/html,<p>x"), "null");
        assert_eq!(origin_of("blob:https://a.com/1234"), "https://a.com");
        let allowed = |o: &str, p: &[&str]| {
            let p: Vec<String> = p.iter().map(|p| normalize_origin_pattern(p).unwrap()).collect();
            origin_allowed(o, &p)
        };
        assert!(allowed("https://example.com", &["https://example.com/"]));
        assert!(!allowed("https://example.com:8443", &["https://example.com"]));
        assert!(allowed("https://a.example.com", &["https://*.example.com"]));
        assert!(allowed("https://a.b.example.com", &["https://*.example.com"]));
        assert!(!allowed("https://example.com", &["https://*.example.com"]));
        assert!(!allowed("https://evilexample.com", &["https://*.example.com"]));
        assert!(!allowed("http://a.example.com", &["https://*.example.com"]));
        assert!(!allowed("https://a.example.com:444", &["https://*.example.com"]));
        assert!(allowed("null", &["null"]));
        assert!(!allowed("null", &["https://example.com"]));
        assert!(allowed("https://anything.net", &["*"]));
        for bad in ["example.com", "https://example.com/path", "https://", "ht tp://x", "https://a b"] {
            assert!(normalize_origin_pattern(bad).is_err(), "{bad}");
        }
    }
}
