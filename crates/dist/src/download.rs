//! `-f -`: a worker asks its master for the locustfiles before it starts,
//! from a temporary identity, as Locust's `download_locustfile_from_master`.

use std::time::Duration;

use rmpv::Value;

use crate::codec;
use crate::messages::{kind, LocustfileRequest};
use crate::timing::{CONNECT_RETRY_COUNT, CONNECT_TIMEOUT};
use crate::transport::{Link, LinkEvent};
use crate::worker::{hostname, uuid4_hex};

/// One locustfile from the master: a file's name and text, or a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocustfileSource {
    File { filename: String, contents: String },
    Url(String),
}

/// Asks every second until the master answers (300 s at most, Locust's
/// connect budget). `Err` is Locust's message for stderr.
pub fn download_locustfiles(host: &str, port: u16) -> Result<Vec<LocustfileSource>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("Could not start a runtime to reach the master: {e}"))?;
    let give_up = CONNECT_TIMEOUT * (CONNECT_RETRY_COUNT);
    runtime.block_on(download(host, port, give_up))
}

async fn download(
    host: &str,
    port: u16,
    give_up: Duration,
) -> Result<Vec<LocustfileSource>, String> {
    let id = format!("{}_download_locustfile_{}", hostname(), uuid4_hex());
    let (link, mut events) = Link::connect(host, port, &id);
    let ask = codec::encode(
        kind::LOCUSTFILE,
        &LocustfileRequest {
            version: Some(crate::LOCUST_VERSION.to_owned()),
        },
        &id,
    );
    let deadline = tokio::time::Instant::now() + give_up;
    let mut next_warning = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut every = tokio::time::interval(Duration::from_secs(1));
    let mut connected = false;
    loop {
        tokio::select! {
            _ = every.tick() => {
                if connected {
                    link.send(ask.clone());
                }
                if tokio::time::Instant::now() >= next_warning {
                    eprintln!("Waiting to connect to master to receive locustfile...");
                    next_warning += Duration::from_secs(60);
                }
            }
            event = events.recv() => match event {
                Some(LinkEvent::Connected) => {
                    connected = true;
                    link.send(ask.clone());
                }
                Some(LinkEvent::Disconnected(_)) => connected = false,
                Some(LinkEvent::Message(payload)) => return answer(&payload),
                None => return Err("the connection to the master ended".into()),
            },
            _ = tokio::time::sleep_until(deadline) => {
                return Err(format!(
                    "Got no locustfile response from master, gave up after {}s",
                    give_up.as_secs()
                ));
            }
        }
    }
}

fn answer(payload: &[u8]) -> Result<Vec<LocustfileSource>, String> {
    let msg = codec::decode(payload).map_err(|e| format!("Got a bad answer from master: {e}"))?;
    if msg.kind != kind::LOCUSTFILE {
        return Err(format!("Got wrong message type from master {}", msg.kind));
    }
    let field = |name: &str| {
        msg.data.as_map().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_str() == Some(name))
                .map(|(_, v)| v.clone())
        })
    };
    if let Some(error) = field("error") {
        let text = error
            .as_str()
            .map_or_else(|| error.to_string(), str::to_owned);
        return Err(format!("Got error from master: {text}"));
    }
    let Some(Value::Array(sources)) = field("locustfiles") else {
        return Ok(Vec::new());
    };
    sources
        .iter()
        .map(|source| match source {
            Value::String(url) => Ok(LocustfileSource::Url(
                url.as_str().unwrap_or_default().to_owned(),
            )),
            Value::Map(entries) => {
                let text = |name: &str| {
                    entries
                        .iter()
                        .find(|(k, _)| k.as_str() == Some(name))
                        .and_then(|(_, v)| v.as_str())
                        .map(str::to_owned)
                };
                match (text("filename"), text("contents")) {
                    (Some(filename), Some(contents)) => {
                        Ok(LocustfileSource::File { filename, contents })
                    }
                    _ => Err("Got a locustfile without filename or contents from master".into()),
                }
            }
            other => Err(format!("Got a bad locustfile entry from master: {other}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_as_locust_reads_them() {
        let file = Value::Map(vec![
            ("filename".into(), "a.py".into()),
            ("contents".into(), "x = 1".into()),
        ]);
        let ok = Value::Map(vec![(
            "locustfiles".into(),
            Value::Array(vec![file, "https://example.com/b.py".into()]),
        )]);
        assert_eq!(
            answer(&codec::encode("locustfile", &ok, "n")).unwrap(),
            [
                LocustfileSource::File {
                    filename: "a.py".into(),
                    contents: "x = 1".into()
                },
                LocustfileSource::Url("https://example.com/b.py".into())
            ]
        );
        let error = Value::Map(vec![("error".into(), "nope".into())]);
        assert_eq!(
            answer(&codec::encode("locustfile", &error, "n")),
            Err("Got error from master: nope".into())
        );
        assert_eq!(
            answer(&codec::encode("ack", &Value::Nil, "n")),
            Err("Got wrong message type from master ack".into())
        );
    }
}
