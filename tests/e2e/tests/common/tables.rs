//! Locust's console tables, as printed to stderr when it is a pipe (width 80):
//! the expected header and separator lines, built here from Locust's format
//! strings, and a strict parser for the final summary.

/// Locust's STATS_NAME_WIDTH when stderr is not a terminal.
pub const WIDTH: usize = 80;
/// Locust's STATS_TYPE_WIDTH.
const TYPE_WIDTH: usize = 8;
/// The name column of the requests table: compacted by 4 characters from the others.
const NAME: usize = WIDTH - TYPE_WIDTH + 4;

pub const PERCENTILE_TITLE: &str = "Response time percentiles (approximated)";
pub const ERROR_REPORT_TITLE: &str = "Error report";
const PERCENTILES: [&str; 11] = [
    "50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%",
];

/// `"%-8s %-76s %7s %12s |%7s %7s %7s%7s | %7s %11s"` of the column titles.
pub fn stats_header() -> String {
    format!(
        "{:<8} {:<NAME$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        "Type", "Name", "# reqs", "# fails", "Avg", "Min", "Max", "Med", "req/s", "failures/s"
    )
}

pub fn stats_separator() -> String {
    [TYPE_WIDTH, NAME, 7, 13, 7, 7, 7, 7, 8, 11]
        .iter()
        .map(|&n| "-".repeat(n))
        .collect::<Vec<_>>()
        .join("|")
}

/// `"%-8s %-80s %8s " + " ".join(["%6s"] * 11)` of the column titles.
pub fn percentile_header() -> String {
    let rest: Vec<String> = PERCENTILES[1..]
        .iter()
        .chain(std::iter::once(&"# reqs"))
        .map(|t| format!("{t:>6}"))
        .collect();
    format!(
        "{:<8} {:<WIDTH$} {:>8} {}",
        "Type",
        "Name",
        PERCENTILES[0],
        rest.join(" ")
    )
}

pub fn percentile_separator() -> String {
    let mut sep = format!(
        "{}|{}|{}|",
        "-".repeat(TYPE_WIDTH),
        "-".repeat(WIDTH),
        "-".repeat(8)
    );
    sep.push_str(&format!("{}|", "-".repeat(6)).repeat(11));
    sep.pop();
    sep
}

pub fn error_report_header() -> String {
    format!("{:<18} {:<100}", "# occurrences", "Error")
}

pub fn error_report_separator() -> String {
    format!("{}|{}", "-".repeat(18), "-".repeat(80 + WIDTH - 19))
}

/// `[2024-01-01 12:00:00,123] host/LEVEL/logger: message`
pub fn is_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.first() == Some(&b'[') && b.get(1).is_some_and(u8::is_ascii_digit) && line.contains("] ")
}

/// One row of the requests table.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsRow {
    pub method: String,
    pub name: String,
    pub requests: u64,
    pub failures: u64,
    fail_text: String,
    numbers: [i64; 4],
    rates: [f64; 2],
}

impl StatsRow {
    /// Parses a row, and checks it is exactly what Locust's format gives for its values.
    pub fn parse(line: &str) -> Result<StatsRow, String> {
        let head = TYPE_WIDTH + 1 + NAME;
        if line.len() < head || !line.is_char_boundary(head) {
            return Err(format!("row too short: {line:?}"));
        }
        let method = line[..TYPE_WIDTH].trim_end().to_owned();
        let name = line[TYPE_WIDTH + 1..head].trim_end().to_owned();
        let fields: Vec<&str> = line[head..]
            .split_whitespace()
            .filter(|f| *f != "|")
            .collect();
        let [reqs, fails, avg, min, max, med, rps, fps] = fields[..] else {
            return Err(format!("expected 8 numbers after the name: {line:?}"));
        };
        let int = |s: &str| {
            s.parse::<i64>()
                .map_err(|e| format!("{s:?} in {line:?}: {e}"))
        };
        let float = |s: &str| {
            s.parse::<f64>()
                .map_err(|e| format!("{s:?} in {line:?}: {e}"))
        };
        let failures = fails
            .split('(')
            .next()
            .unwrap_or("")
            .parse::<u64>()
            .map_err(|e| format!("failures {fails:?} in {line:?}: {e}"))?;
        let row = StatsRow {
            method,
            name,
            requests: int(reqs)? as u64,
            failures,
            fail_text: fails.to_owned(),
            numbers: [int(avg)?, int(min)?, int(max)?, int(med)?],
            rates: [float(rps)?, float(fps)?],
        };
        if row.format() != line {
            return Err(format!(
                "row is not in Locust's format:\n got  {line:?}\n want {:?}",
                row.format()
            ));
        }
        let ratio = if row.requests == 0 {
            0.0
        } else {
            row.failures as f64 / row.requests as f64 * 100.0
        };
        let want_fails = format!("{}({ratio:.2}%)", row.failures);
        if row.requests > 0 && row.fail_text != want_fails {
            return Err(format!(
                "failures column {:?}, want {want_fails:?}",
                row.fail_text
            ));
        }
        Ok(row)
    }

    /// `"%-8s %-76s %7d %12s |%7d %7d %7d%7d | %7.2f %11.2f"`
    pub fn format(&self) -> String {
        let [avg, min, max, med] = self.numbers;
        format!(
            "{:<8} {:<NAME$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7.2} {:>11.2}",
            self.method,
            self.name,
            self.requests,
            self.fail_text,
            avg,
            min,
            max,
            med,
            self.rates[0],
            self.rates[1]
        )
    }
}

/// One row of the percentiles table.
#[derive(Clone, Debug, PartialEq)]
pub struct PercentileRow {
    pub method: String,
    pub name: String,
    pub percentiles: [i64; 11],
    pub requests: u64,
}

impl PercentileRow {
    pub fn parse(line: &str) -> Result<PercentileRow, String> {
        let head = TYPE_WIDTH + 1 + WIDTH;
        if line.len() < head || !line.is_char_boundary(head) {
            return Err(format!("row too short: {line:?}"));
        }
        let numbers: Vec<i64> = line[head..]
            .split_whitespace()
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|e| format!("{s:?} in {line:?}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        if numbers.len() != 12 {
            return Err(format!("expected 12 numbers after the name: {line:?}"));
        }
        let row = PercentileRow {
            method: line[..TYPE_WIDTH].trim_end().to_owned(),
            name: line[TYPE_WIDTH + 1..head].trim_end().to_owned(),
            percentiles: numbers[..11].try_into().expect("11 numbers"),
            requests: numbers[11] as u64,
        };
        if row.format() != line {
            return Err(format!(
                "row is not in Locust's format:\n got  {line:?}\n want {:?}",
                row.format()
            ));
        }
        Ok(row)
    }

    /// `"%-8s %-80s %8d " + " ".join(["%6d"] * 11)`
    pub fn format(&self) -> String {
        let rest: Vec<String> = self.percentiles[1..]
            .iter()
            .chain(std::iter::once(&(self.requests as i64)))
            .map(|n| format!("{n:>6}"))
            .collect();
        format!(
            "{:<8} {:<WIDTH$} {:>8} {}",
            self.method,
            self.name,
            self.percentiles[0],
            rest.join(" ")
        )
    }
}

/// One row of the error report: `"%-18i %-100s" % (occurrences, "METHOD NAME: error")`.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorRow {
    pub occurrences: u64,
    pub text: String,
}

impl ErrorRow {
    pub fn parse(line: &str) -> Result<ErrorRow, String> {
        let (count, text) = line
            .split_once(' ')
            .ok_or_else(|| format!("error row without text: {line:?}"))?;
        let row = ErrorRow {
            occurrences: count
                .parse()
                .map_err(|e| format!("occurrences in {line:?}: {e}"))?,
            text: text.trim().to_owned(),
        };
        let want = format!("{:<18} {:<100}", row.occurrences, row.text);
        if want != line {
            return Err(format!(
                "error row is not in Locust's format:\n got  {line:?}\n want {want:?}"
            ));
        }
        Ok(row)
    }
}

/// The tables printed at shutdown, after "Shutting down (exit code N)".
#[derive(Debug)]
pub struct Summary {
    pub exit_code: i32,
    pub rows: Vec<StatsRow>,
    pub aggregated: StatsRow,
    pub percentile_rows: Vec<PercentileRow>,
    pub percentile_aggregated: Option<PercentileRow>,
    /// `None` when there is no error report (no failures).
    pub errors: Option<Vec<ErrorRow>>,
    /// The summary's lines, log lines left out.
    pub lines: Vec<String>,
}

/// Reads lines one by one, failing with the line number and what was expected.
struct Lines<'a> {
    lines: &'a [String],
    at: usize,
}

impl<'a> Lines<'a> {
    fn next(&mut self, what: &str) -> Result<&'a str, String> {
        let line = self
            .lines
            .get(self.at)
            .ok_or_else(|| format!("summary ended, expected {what}"))?;
        self.at += 1;
        Ok(line)
    }

    fn expect(&mut self, want: &str, what: &str) -> Result<(), String> {
        let line = self.next(what)?;
        if line != want {
            return Err(format!(
                "summary line {}: expected {what}\n got  {line:?}\n want {want:?}",
                self.at
            ));
        }
        Ok(())
    }

    fn peek(&self) -> Option<&'a str> {
        self.lines.get(self.at).map(String::as_str)
    }
}

impl Summary {
    pub fn parse(stderr: &str) -> Result<Summary, String> {
        const SHUTDOWN: &str = "Shutting down (exit code ";
        let all: Vec<&str> = stderr.lines().collect();
        let at = all
            .iter()
            .rposition(|l| l.contains(SHUTDOWN))
            .ok_or("no 'Shutting down (exit code N)' line")?;
        let code = all[at][all[at].find(SHUTDOWN).unwrap() + SHUTDOWN.len()..]
            .trim_end_matches(')')
            .parse::<i32>()
            .map_err(|e| format!("exit code in {:?}: {e}", all[at]))?;
        let after: Vec<String> = all[at + 1..]
            .iter()
            .filter(|l| !is_log_line(l))
            .map(|l| l.to_string())
            .collect();
        let header = stats_header();
        // A periodic table printed while users finish would come first: the last one is final.
        let start = after
            .iter()
            .rposition(|l| *l == header)
            .ok_or("no requests table after the shutdown line")?;
        let lines = after[start..].to_vec();
        let mut it = Lines {
            lines: &lines,
            at: 0,
        };
        let sep = stats_separator();
        it.expect(&header, "the requests table header")?;
        it.expect(&sep, "the requests table separator")?;
        let mut rows = Vec::new();
        loop {
            let line = it.next("a request row or the separator")?;
            if line == sep {
                break;
            }
            rows.push(StatsRow::parse(line)?);
        }
        let aggregated = StatsRow::parse(it.next("the Aggregated row")?)?;
        if !aggregated.method.is_empty() || aggregated.name != "Aggregated" {
            return Err(format!("expected the Aggregated row, got {aggregated:?}"));
        }
        it.expect("", "an empty line after the requests table")?;

        it.expect(PERCENTILE_TITLE, "the percentiles title")?;
        it.expect(&percentile_header(), "the percentiles header")?;
        let psep = percentile_separator();
        it.expect(&psep, "the percentiles separator")?;
        let mut percentile_rows = Vec::new();
        loop {
            let line = it.next("a percentile row or the separator")?;
            if line == psep {
                break;
            }
            percentile_rows.push(PercentileRow::parse(line)?);
        }
        let percentile_aggregated = match it.next("the Aggregated percentiles or an empty line")? {
            "" => None,
            line => {
                let row = PercentileRow::parse(line)?;
                it.expect("", "an empty line after the percentiles table")?;
                Some(row)
            }
        };

        let errors = if it.peek() == Some(ERROR_REPORT_TITLE) {
            it.next(ERROR_REPORT_TITLE)?;
            it.expect(&error_report_header(), "the error report header")?;
            let esep = error_report_separator();
            it.expect(&esep, "the error report separator")?;
            let mut errors = Vec::new();
            loop {
                let line = it.next("an error row or the separator")?;
                if line == esep {
                    break;
                }
                errors.push(ErrorRow::parse(line)?);
            }
            it.expect("", "an empty line after the error report")?;
            Some(errors)
        } else {
            None
        };
        if let Some(extra) = it.peek() {
            return Err(format!("unexpected line after the summary: {extra:?}"));
        }
        Ok(Summary {
            exit_code: code,
            rows,
            aggregated,
            percentile_rows,
            percentile_aggregated,
            errors,
            lines,
        })
    }

    /// The row for (method, name).
    pub fn row(&self, method: &str, name: &str) -> Option<&StatsRow> {
        self.rows
            .iter()
            .find(|r| r.method == method && r.name == name)
    }

    /// Requests of (method, name), 0 when there is no row.
    pub fn requests(&self, method: &str, name: &str) -> u64 {
        self.row(method, name).map_or(0, |r| r.requests)
    }

    pub fn failures(&self, method: &str, name: &str) -> u64 {
        self.row(method, name).map_or(0, |r| r.failures)
    }

    /// The (method, name) of every row, in order.
    pub fn names(&self) -> Vec<(String, String)> {
        self.rows
            .iter()
            .map(|r| (r.method.clone(), r.name.clone()))
            .collect()
    }
}
