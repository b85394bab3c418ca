//! One kind of failure (Locust's `StatsError`): the same error text on the
//! same (method, name), counted.

use sha2::{Digest, Sha256};

use super::pyfmt::{parse_python_str_literal, python_repr_str};
use super::wire::StatsErrorDict;

/// Where an error's text came from, which decides how Locust names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorOrigin {
    /// Logged in this process: the text is the `repr` of the exception, and
    /// `CatchResponseError('msg')` is shown as its message `msg`.
    Local,
    /// Received from a worker: Locust only has the string there and shows
    /// `CatchResponseError('msg')` as `'msg'`.
    Remote,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StatsError {
    pub method: String,
    pub name: String,
    /// The error text: for exceptions, Python's `repr` of it
    /// (`HTTPError('404 Client Error: ...')`, `CatchResponseError('msg')`).
    pub error: String,
    pub occurrences: u64,
    pub first_seen: Option<f64>,
    pub last_seen: Option<f64>,
    pub origin: ErrorOrigin,
}

const CATCH_RESPONSE_ERROR: &str = "CatchResponseError(";

impl StatsError {
    pub fn new(method: &str, name: &str, error: &str, origin: ErrorOrigin) -> Self {
        Self {
            method: method.to_owned(),
            name: name.to_owned(),
            error: error.to_owned(),
            occurrences: 0,
            first_seen: None,
            last_seen: None,
            origin,
        }
    }

    /// Locust's `parse_error`: hides the address in `<... object at 0x7f..>` so
    /// the same error from different objects is counted once.
    pub fn parse_error(error: &str) -> String {
        const TARGET: &str = "object at 0x";
        let Some(idx) = error.find(TARGET) else {
            return error.to_owned();
        };
        let start = idx + TARGET.len() - 2;
        let Some(end) = error[start..].find('>').map(|e| e + start) else {
            return error.to_owned();
        };
        let address = &error[start..end];
        error.replace(address, "0x....")
    }

    /// Locust's `create_key`: sha256 hex of `f"{method}.{name}.{parse_error(error)!r}"`.
    pub fn create_key(method: &str, name: &str, error: &str) -> String {
        let text = format!(
            "{method}.{name}.{}",
            python_repr_str(&Self::parse_error(error))
        );
        let digest = Sha256::digest(text.as_bytes());
        let mut hex = String::with_capacity(64);
        for b in digest {
            hex.push_str(&format!("{b:02x}"));
        }
        hex
    }

    pub fn key(&self) -> String {
        Self::create_key(&self.method, &self.name, &self.error)
    }

    /// Counts one more occurrence at `now`.
    pub fn occurred(&mut self, now: f64) {
        self.occurrences += 1;
        if self.first_seen.is_none() {
            self.first_seen = Some(now);
        }
        self.last_seen = Some(now);
    }

    /// Adds occurrences seen elsewhere (a shard or a worker).
    pub fn merge(&mut self, occurrences: u64, first_seen: Option<f64>, last_seen: Option<f64>) {
        self.occurrences += occurrences;
        if let Some(f) = first_seen {
            self.first_seen = Some(self.first_seen.map_or(f, |e| e.min(f)));
        }
        if let Some(l) = last_seen {
            self.last_seen = Some(self.last_seen.map_or(l, |e| e.max(l)));
        }
    }

    /// "METHOD name: error", as the console error report shows it.
    pub fn to_name(&self) -> String {
        let unwrapped = match self.error.strip_prefix(CATCH_RESPONSE_ERROR) {
            Some(rest) if self.origin == ErrorOrigin::Local => rest
                .strip_suffix(')')
                .and_then(parse_python_str_literal)
                .unwrap_or_else(|| slice_unwrap(&self.error)),
            Some(_) => slice_unwrap(&self.error),
            None => self.error.clone(),
        };
        format!("{} {}: {}", self.method, self.name, unwrapped)
    }

    /// Locust's wire dict; the error text goes through `parse_error`.
    pub fn serialize(&self) -> StatsErrorDict {
        StatsErrorDict {
            name: self.name.clone(),
            method: self.method.clone(),
            error: Self::parse_error(&self.error),
            occurrences: self.occurrences,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
        }
    }

    pub fn unserialize(data: StatsErrorDict) -> Self {
        Self {
            method: data.method,
            name: data.name,
            error: data.error,
            occurrences: data.occurrences,
            first_seen: data.first_seen,
            last_seen: data.last_seen,
            origin: ErrorOrigin::Remote,
        }
    }
}

/// Locust's string path: drop the `CatchResponseError(` prefix and the last character.
fn slice_unwrap(error: &str) -> String {
    let rest = &error[CATCH_RESPONSE_ERROR.len()..];
    let mut chars = rest.chars();
    chars.next_back();
    chars.as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_locust() {
        // Values from Locust 2.47.0: StatsError.create_key(method, name, error)
        let cases: &[(&str, &str, &str, &str)] = &[
            (
                "GET",
                "/",
                "CatchResponseError('boom \\'x\\' \"y\"')",
                "3a2faa527a92a2c0965b702dec04fdcfb12dbbe8b9bfab549a97151c57c9973a",
            ),
            (
                "POST",
                "/api",
                "HTTPError('500 Server Error: x for url: /api')",
                "25f3675f5b8213d60b24d35be47e09b918342e5cef379ff6c65d2e2e2c832e37",
            ),
            (
                "GET",
                "/ü",
                "<Foo object at 0x7f3a2b1c>: it's",
                "fe13424058dcd7bfd4979f1caafa4c8b8336a175231a5f0fd73fe779a8622e21",
            ),
        ];
        for (m, n, e, want) in cases {
            assert_eq!(StatsError::create_key(m, n, e), *want, "{m} {n} {e}");
        }
    }

    #[test]
    fn parse_error_hides_addresses() {
        assert_eq!(
            StatsError::parse_error("<Foo object at 0x7f3a2b1c> and 0x7f3a2b1c again"),
            "<Foo object at 0x....> and 0x.... again"
        );
        assert_eq!(StatsError::parse_error("object at 0x12"), "object at 0x12");
        assert_eq!(StatsError::parse_error("plain"), "plain");
    }

    #[test]
    fn names_like_locust() {
        let mut e = StatsError::new(
            "GET",
            "/",
            "CatchResponseError('boom \\'x\\' \"y\"')",
            ErrorOrigin::Local,
        );
        assert_eq!(e.to_name(), "GET /: boom 'x' \"y\"");
        e.origin = ErrorOrigin::Remote;
        assert_eq!(e.to_name(), "GET /: 'boom \\'x\\' \"y\"'");
        let h = StatsError::new("GET", "/x", "HTTPError('404')", ErrorOrigin::Local);
        assert_eq!(h.to_name(), "GET /x: HTTPError('404')");
    }

    #[test]
    fn merge_and_occurred() {
        let mut e = StatsError::new("GET", "/", "x", ErrorOrigin::Local);
        e.occurred(10.0);
        e.occurred(12.0);
        e.merge(3, Some(5.0), Some(11.0));
        assert_eq!(
            (e.occurrences, e.first_seen, e.last_seen),
            (5, Some(5.0), Some(12.0))
        );
    }
}
