//! Locust's CSV files: expected headers, and a strict reader (quoted fields,
//! CRLF record ends as Python's csv module writes them).

use std::path::Path;

pub const STATS_HEADER: &str = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";
pub const HISTORY_HEADER: &str = "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size";
pub const FAILURES_HEADER: &str = "Method,Name,Error,Occurrences,First Seen,Last Seen";
pub const EXCEPTIONS_HEADER: &str = "Count,Message,Traceback,Nodes";

/// The four files `--csv PREFIX` writes, in Locust's order of suffixes.
pub const SUFFIXES: [&str; 4] = [
    "_stats.csv",
    "_stats_history.csv",
    "_failures.csv",
    "_exceptions.csv",
];

/// A CSV file: its header line (raw) and its records after the header.
#[derive(Debug)]
pub struct CsvFile {
    pub header: String,
    pub columns: Vec<String>,
    pub records: Vec<Vec<String>>,
}

impl CsvFile {
    /// Reads and parses `path`; fails the test on a missing file, a bare `\n`
    /// record end or a malformed quote.
    pub fn read(path: &str) -> CsvFile {
        let text = std::fs::read_to_string(Path::new(path))
            .unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        CsvFile::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}\n{text}"))
    }

    pub fn parse(text: &str) -> Result<CsvFile, String> {
        let header = text
            .split("\r\n")
            .next()
            .filter(|h| !h.contains('\n'))
            .ok_or("the header line does not end with CRLF")?
            .to_owned();
        let mut records = parse_records(text)?;
        if records.is_empty() {
            return Err("no header record".into());
        }
        let columns = records.remove(0);
        for (i, r) in records.iter().enumerate() {
            if r.len() != columns.len() {
                return Err(format!(
                    "record {} has {} fields, the header {}: {r:?}",
                    i + 1,
                    r.len(),
                    columns.len()
                ));
            }
        }
        Ok(CsvFile {
            header,
            columns,
            records,
        })
    }

    /// The value of `column` in `record`.
    pub fn get<'a>(&self, record: &'a [String], column: &str) -> &'a str {
        let i = self
            .columns
            .iter()
            .position(|c| c == column)
            .unwrap_or_else(|| panic!("no column {column:?} in {:?}", self.columns));
        &record[i]
    }

    /// Records whose `column` equals `value`.
    pub fn rows_where<'a>(
        &'a self,
        column: &'a str,
        value: &'a str,
    ) -> impl Iterator<Item = &'a Vec<String>> + 'a {
        self.records
            .iter()
            .filter(move |r| self.get(r, column) == value)
    }
}

/// RFC 4180 records; every record must end with CRLF (inside quotes, any newline is data).
fn parse_records(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut in_quotes = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                other => {
                    if other == '\n' {
                        line += 1;
                    }
                    field.push(other);
                }
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {
                chars.next();
                line += 1;
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\n' => return Err(format!("line {line} ends with a bare LF, not CRLF")),
            other => field.push(other),
        }
    }
    if in_quotes {
        return Err("unterminated quoted field".into());
    }
    if !field.is_empty() || !record.is_empty() {
        return Err("the last record does not end with CRLF".into());
    }
    Ok(records)
}
