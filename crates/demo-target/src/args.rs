//! Command line of the demo target. Hand-parsed: three options do not justify a parser dependency.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

pub const USAGE: &str = "\
Usage: rocust-demo-target [OPTIONS]

A small HTTP/1.1 server on loopback for rocust's demo and benchmarks.

Options:
  --host ADDR    loopback address to bind (default 127.0.0.1; 'localhost' = 127.0.0.1, '::1' allowed)
  --port PORT    port to bind (default 8080; 0 = pick a free port)
  --threads N    tokio worker threads (default 1, leaving CPU for the load generator)
  -h, --help     print this help
  -V, --version  print the version

Once bound it prints one line to stdout: listening on http://ADDR:PORT

Endpoints: GET / (HTML), GET /fast (\"Hello World!\"), GET|POST /login, GET /about/,
GET /slow?ms=N (default 500, max 10000), GET /fail (500), GET /redirect (302 -> /about/),
ANY /status/{code} (200..=599), GET /json, ANY /echo (request as JSON),
GET /ws (WebSocket echo of text and binary messages; subprotocol \"echo\" when offered;
?strict refuses handshakes without it, ?close_after=N closes after N echoes).";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub host: IpAddr,
    pub port: u16,
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            threads: 1,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Options),
    Help,
    Version,
}

#[derive(Debug, PartialEq, Eq)]
pub struct ArgError(pub String);

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses the arguments after the program name. Accepts `--opt value` and `--opt=value`.
pub fn parse<I, S>(args: I) -> Result<Command, ArgError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut opts = Options::default();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--host" | "--port" | "--threads" => {
                let value = match inline {
                    Some(v) => v,
                    None => args
                        .next()
                        .ok_or_else(|| ArgError(format!("{name} needs a value")))?,
                };
                match name.as_str() {
                    "--host" => opts.host = parse_host(&value)?,
                    "--port" => opts.port = parse_port(&value)?,
                    _ => opts.threads = parse_threads(&value)?,
                }
            }
            _ => return Err(ArgError(format!("unknown argument '{arg}' (see --help)"))),
        }
    }
    Ok(Command::Run(opts))
}

/// Only loopback addresses: the demo target must never be reachable from other machines.
pub fn parse_host(value: &str) -> Result<IpAddr, ArgError> {
    let trimmed = value.trim_start_matches('[').trim_end_matches(']');
    let ip = if trimmed.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        trimmed.parse::<IpAddr>().map_err(|_| {
            ArgError(format!(
                "invalid --host '{value}': expected a loopback IP address such as 127.0.0.1 or ::1"
            ))
        })?
    };
    if !ip.is_loopback() {
        return Err(ArgError(format!(
            "refusing to listen on {ip}: the demo target only binds loopback addresses (127.0.0.0/8 or ::1)"
        )));
    }
    Ok(ip)
}

fn parse_port(value: &str) -> Result<u16, ArgError> {
    value.parse::<u16>().map_err(|_| {
        ArgError(format!(
            "invalid --port '{value}': expected 0..=65535 (0 picks a free port)"
        ))
    })
}

fn parse_threads(value: &str) -> Result<usize, ArgError> {
    match value.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err(ArgError(format!(
            "invalid --threads '{value}': expected a whole number from 1 to 256"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    fn run(args: &[&str]) -> Result<Options, ArgError> {
        match parse(args.iter().copied())? {
            Command::Run(o) => Ok(o),
            other => panic!("expected Run, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let o = run(&[]).unwrap();
        assert_eq!(o.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(o.port, 8080);
        assert_eq!(o.threads, 1);
    }

    #[test]
    fn both_value_forms() {
        let o = run(&["--port", "0", "--threads=3", "--host=::1"]).unwrap();
        assert_eq!(o.port, 0);
        assert_eq!(o.threads, 3);
        assert_eq!(o.host, IpAddr::V6(Ipv6Addr::LOCALHOST));
    }

    #[test]
    fn loopback_only() {
        assert_eq!(
            parse_host("localhost").unwrap(),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert!(parse_host("127.0.0.2").is_ok());
        assert!(parse_host("[::1]").is_ok());
        for bad in ["0.0.0.0", "192.168.1.1", "::", "8.8.8.8", "::ffff:8.8.8.8"] {
            let err = parse_host(bad).unwrap_err();
            assert!(err.0.contains("loopback"), "{bad}: {err}");
        }
        assert!(parse_host("example.com").unwrap_err().0.contains("invalid"));
    }

    #[test]
    fn bad_values_are_errors() {
        assert!(run(&["--port", "70000"]).is_err());
        assert!(run(&["--port"]).unwrap_err().0.contains("needs a value"));
        assert!(run(&["--threads", "0"]).is_err());
        assert!(run(&["--threads", "x"]).is_err());
        assert!(run(&["--bogus"]).unwrap_err().0.contains("unknown"));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse(["--help"]).unwrap(), Command::Help);
        assert_eq!(parse(["-V"]).unwrap(), Command::Version);
    }
}
