//! Samples of the total kept for the charts and the HTML report (Locust's
//! `update_stats_history`, taken every 5 s while a test runs).

use super::number::Number;
use super::pyfmt::format_utc_timestamp;

/// One sample. Values follow Locust's `or 0` rules, so an idle total gives ints.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    /// Epoch seconds; Locust stores `format_utc_timestamp(time)`, see [`HistoryRow::time_str`].
    pub time: f64,
    pub user_count: u64,
    pub current_rps: Number,
    pub current_fail_per_sec: Number,
    /// Current (windowed) 50th percentile, 0 when unknown.
    pub response_time_percentile_0_5: i64,
    /// Current (windowed) 95th percentile, 0 when unknown.
    pub response_time_percentile_0_95: i64,
    /// `proper_round(total.avg_response_time, 2)`.
    pub total_avg_response_time: f64,
}

impl HistoryRow {
    /// The timestamp as Locust writes it: `2024-05-01T12:00:00Z`.
    pub fn time_str(&self) -> String {
        format_utc_timestamp(self.time)
    }
}

/// Python's `x or 0` for a rate.
pub(crate) fn rate_or_zero(x: f64) -> Number {
    if x == 0.0 {
        Number::Int(0)
    } else {
        Number::Float(x)
    }
}
