//! Cross-site protection for the POSTs that change the test.
//!
//! Locust has none (and `Access-Control-Allow-Origin: *`), so any web page a
//! tester visits could start or stop a load test through their browser.
//! Browsers say where a request comes from (`Sec-Fetch-Site`, `Origin`);
//! scripts send neither and are not affected.

use axum::http::{header, HeaderMap};

/// Whether a state-changing request may go on: not from another site.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "same-site" is another origin too (another port of localhost).
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    // "null" (sandboxed frames, file: pages) is never this server.
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn scripts_and_the_page_pass_other_sites_do_not() {
        assert!(same_origin(&headers(&[])));
        assert!(same_origin(&headers(&[("host", "127.0.0.1:8089")])));
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:8089"),
            ("origin", "http://127.0.0.1:8089")
        ])));
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8089"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8089"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:8089"),
            ("origin", "null")
        ])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
    }
}
