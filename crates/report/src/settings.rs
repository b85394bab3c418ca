//! What a locustfile may change about the reports: Locust reads these from
//! module-level settings of `locust.stats` (`PERCENTILES_TO_REPORT`,
//! `CSV_STATS_INTERVAL_SEC`, ...) that a locustfile can assign when it is
//! imported, so they are only known once the locustfiles are loaded. The
//! defaults are Locust's.

use std::time::Duration;

use rocust_core::stats::pyfmt::{python_float_repr, python_round};
use rocust_core::stats::{HISTORY_STATS_INTERVAL_SEC, PERCENTILES_TO_CHART, PERCENTILES_TO_REPORT};

/// The percentiles of the percentile table and the CSV columns, with their
/// column titles.
#[derive(Clone, Debug, PartialEq)]
pub struct Percentiles {
    columns: Vec<(f64, String)>,
}

impl Default for Percentiles {
    fn default() -> Self {
        Self {
            columns: PERCENTILES_TO_REPORT
                .iter()
                .map(|&(p, label)| (p, label.to_owned()))
                .collect(),
        }
    }
}

impl Percentiles {
    /// Percentiles as fractions (0.95 for the 95th), titled as Locust titles
    /// them. Locust does not check the values; only non-finite ones, which it
    /// cannot print either, are refused.
    pub fn new(values: impl IntoIterator<Item = f64>) -> Result<Self, String> {
        let columns = values
            .into_iter()
            .map(|p| {
                if p.is_finite() {
                    Ok((p, readable_percentile(p)))
                } else {
                    Err(format!("percentiles must be finite numbers, got {p}"))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { columns })
    }

    /// (fraction, column title) pairs in order.
    pub fn iter(&self) -> impl Iterator<Item = (f64, &str)> + '_ {
        self.columns.iter().map(|(p, l)| (*p, l.as_str()))
    }

    pub fn len(&self) -> usize {
        self.columns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}

/// Locust's `get_readable_percentiles` for one value: `0.95` -> `95%`,
/// `0.999` -> `99.9%`, `0.07` -> `7.0%` (7.000000000000001 is not a whole number).
pub fn readable_percentile(p: f64) -> String {
    let percent = p * 100.0;
    if percent.fract() == 0.0 && percent.abs() < 1e18 {
        format!("{}%", percent as i64)
    } else {
        format!("{}%", python_float_repr(python_round(percent, 6)))
    }
}

/// The settings the console tables, CSV files and history follow.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSettings {
    /// `PERCENTILES_TO_REPORT`: percentile table and CSV columns.
    pub percentiles: Percentiles,
    /// `CONSOLE_STATS_INTERVAL_SEC`: between two periodic tables.
    pub console_interval: Duration,
    /// `CSV_STATS_INTERVAL_SEC`: between two CSV writes (history rows).
    pub csv_interval: Duration,
    /// `HISTORY_STATS_INTERVAL_SEC`: between two samples of the history.
    pub history_interval: Duration,
    /// `STATS_NAME_WIDTH` when the locustfile set it; None: from the terminal.
    pub name_width: Option<usize>,
    /// `PERCENTILES_TO_STATISTICS`: the web UI table's percentile columns.
    pub statistics_percentiles: Vec<f64>,
    /// `PERCENTILES_TO_CHART`: the charts' percentile lines by default.
    pub chart_percentiles: Vec<f64>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            percentiles: Percentiles::default(),
            console_interval: Duration::from_secs(2),
            csv_interval: Duration::from_secs(1),
            history_interval: Duration::from_secs(HISTORY_STATS_INTERVAL_SEC),
            name_width: None,
            statistics_percentiles: vec![0.95, 0.99],
            chart_percentiles: PERCENTILES_TO_CHART.to_vec(),
        }
    }
}

/// An interval from a setting given in seconds: positive and finite (a zero
/// interval would print or write in a busy loop).
pub fn interval(name: &str, seconds: f64) -> Result<Duration, String> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(format!(
            "{name} must be a positive number of seconds, got {}",
            python_float_repr(seconds)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_locusts() {
        // Locust's PERCENTILES_TO_REPORT titles come out of the same rule.
        for (p, label) in PERCENTILES_TO_REPORT {
            assert_eq!(readable_percentile(p), label);
        }
        // Python 3.11: get_readable_percentiles([0.07, 0.333, 0.12345678, 1.5, 0.0])
        let got: Vec<String> = [0.07, 0.333, 0.12345678, 1.5, 0.0]
            .map(readable_percentile)
            .to_vec();
        assert_eq!(got, ["7.0%", "33.3%", "12.345678%", "150%", "0%"]);
        assert_eq!(Percentiles::default().len(), 11);
        assert!(Percentiles::new([f64::NAN]).is_err());
    }

    #[test]
    fn intervals_must_be_positive() {
        assert_eq!(interval("X", 0.5), Ok(Duration::from_millis(500)));
        assert!(interval("X", 0.0)
            .unwrap_err()
            .contains("X must be a positive"));
        assert!(interval("X", -1.0).is_err());
        assert!(interval("X", f64::INFINITY).is_err());
    }
}
