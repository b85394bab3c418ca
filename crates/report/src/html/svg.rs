//! Line charts as inline SVG: the three charts of Locust's report (ECharts
//! there), drawn here from the history rows with a time axis in UTC.
//!
//! The drawing is fixed-size (a `viewBox`) and scales to the page width, so
//! the same markup serves the screen and the printed page. Colours of the
//! frame and text come from the page's CSS variables (theme and print).

use super::format::{js_number, js_round, utc_clock};
use super::writer::Html;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 44.0;
/// Estimated width of one legend character at 12 px (SVG cannot measure).
const CHAR_WIDTH: f64 = 7.0;

/// Above this many samples a series is thinned to the lowest and highest
/// value of each bucket, which keeps peaks and dips; a day of 5 s samples
/// would otherwise weigh about a megabyte.
pub(crate) const MAX_POINTS: usize = 1200;

/// One line of a chart.
pub(crate) struct Series {
    pub name: &'static str,
    pub color: &'static str,
    pub values: Vec<f64>,
}

/// A chart: a title, the sample times (epoch seconds) and lines over them.
pub(crate) struct LineChart<'a> {
    pub title: &'static str,
    pub times: &'a [f64],
    pub series: Vec<Series>,
}

/// Writes the chart as an `<svg>` element.
pub(crate) fn line_chart(h: &mut Html, chart: &LineChart<'_>) {
    let plot = Plot::new(chart);
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    h.el(
        "svg",
        &[
            ("viewBox", &view_box),
            ("role", "img"),
            ("xmlns", "http://www.w3.org/2000/svg"),
        ],
        |h| {
            h.el_text("title", &[], chart.title);
            h.el_text(
                "text",
                &[("class", "title"), ("x", "0"), ("y", "18")],
                chart.title,
            );
            legend(h, &chart.series);
            y_axis(h, &plot);
            x_axis(h, &plot);
            for s in &chart.series {
                series(h, &plot, chart.times, s);
            }
        },
    );
}

/// The mapping from (time, value) to drawing coordinates.
struct Plot {
    t0: f64,
    t1: f64,
    top: f64,
    step: f64,
}

impl Plot {
    fn new(chart: &LineChart<'_>) -> Self {
        let (mut t0, mut t1) = match (chart.times.first(), chart.times.last()) {
            (Some(&a), Some(&b)) => (a.min(b), a.max(b)),
            _ => (0.0, 0.0),
        };
        if t1 - t0 < 1.0 {
            // One sample (or none): centre it in a short window.
            t0 -= 5.0;
            t1 += 5.0;
        }
        let max = chart
            .series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .map(finite)
            .fold(0.0, f64::max);
        let (step, top) = nice_scale(max);
        Self { t0, t1, top, step }
    }

    fn x(&self, t: f64) -> f64 {
        LEFT + (t - self.t0) / (self.t1 - self.t0) * (WIDTH - LEFT - RIGHT)
    }

    fn y(&self, v: f64) -> f64 {
        let h = HEIGHT - TOP - BOTTOM;
        TOP + h - finite(v).clamp(0.0, self.top) / self.top * h
    }
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// A value axis from 0 with about four to six round steps (1, 2, 2.5, 5 x 10^n):
/// (step, top).
fn nice_scale(max: f64) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let top = (max / step).ceil() * step;
    (step, top)
}

/// Time steps the x axis may use, in seconds.
const TIME_STEPS: [i64; 16] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600, 43_200,
];

/// About six labels at most: labels are ~60 px wide and spaced >= 140 px.
fn time_step(span: f64) -> i64 {
    TIME_STEPS
        .iter()
        .copied()
        .find(|s| span / *s as f64 <= 6.0)
        .unwrap_or_else(|| ((span / 6.0 / 86_400.0).ceil() as i64).max(1) * 86_400)
}

fn coord(v: f64) -> String {
    format!("{:.1}", v)
}

fn y_axis(h: &mut Html, plot: &Plot) {
    let steps = (plot.top / plot.step).round() as i64;
    for k in 0..=steps {
        let v = k as f64 * plot.step;
        let y = coord(plot.y(v));
        let class = if k == 0 { "axis" } else { "grid" };
        h.empty(
            "line",
            &[
                ("class", class),
                ("x1", &coord(LEFT)),
                ("x2", &coord(WIDTH - RIGHT)),
                ("y1", &y),
                ("y2", &y),
            ],
        );
        let label_y = coord(plot.y(v) + 4.0);
        h.el_text(
            "text",
            &[
                ("x", &coord(LEFT - 8.0)),
                ("y", &label_y),
                ("text-anchor", "end"),
            ],
            &js_number(js_round(v, 6)),
        );
    }
}

fn x_axis(h: &mut Html, plot: &Plot) {
    let span = plot.t1 - plot.t0;
    let step = time_step(span);
    let with_seconds = step < 60;
    let with_date = span >= 86_400.0;
    let first = (plot.t0 / step as f64).ceil() as i64 * step;
    let base = coord(HEIGHT - BOTTOM);
    let mut t = first;
    while t as f64 <= plot.t1 {
        let x = coord(plot.x(t as f64));
        h.empty(
            "line",
            &[
                ("class", "grid"),
                ("x1", &x),
                ("x2", &x),
                ("y1", &coord(TOP)),
                ("y2", &base),
            ],
        );
        let label = if with_date {
            let date = super::format::utc_datetime(t as f64);
            format!("{} {}", &date[5..10], utc_clock(t, false))
        } else {
            utc_clock(t, with_seconds)
        };
        h.el_text(
            "text",
            &[
                ("x", &x),
                ("y", &coord(HEIGHT - BOTTOM + 18.0)),
                ("text-anchor", "middle"),
            ],
            &label,
        );
        t += step;
    }
    h.el_text(
        "text",
        &[
            ("x", &coord(WIDTH - RIGHT)),
            ("y", &coord(HEIGHT - 4.0)),
            ("text-anchor", "end"),
        ],
        "Time (UTC)",
    );
}

fn legend(h: &mut Html, series: &[Series]) {
    // Right-aligned on the title's line: widths are estimated from the names.
    let widths: Vec<f64> = series
        .iter()
        .map(|s| 24.0 + s.name.len() as f64 * CHAR_WIDTH + 16.0)
        .collect();
    let mut x = WIDTH - RIGHT - widths.iter().sum::<f64>();
    h.el("g", &[("class", "legend")], |h| {
        for (s, w) in series.iter().zip(&widths) {
            h.empty(
                "line",
                &[
                    ("x1", &coord(x)),
                    ("x2", &coord(x + 18.0)),
                    ("y1", "14"),
                    ("y2", "14"),
                    ("stroke", s.color),
                    ("stroke-width", "3"),
                ],
            );
            h.el_text("text", &[("x", &coord(x + 24.0)), ("y", "18")], s.name);
            x += w;
        }
    });
}

fn series(h: &mut Html, plot: &Plot, times: &[f64], s: &Series) {
    let points = thin(times, &s.values, MAX_POINTS);
    if let [(t, v)] = points.as_slice() {
        // A single sample draws no line: mark it.
        h.empty(
            "circle",
            &[
                ("cx", &coord(plot.x(*t))),
                ("cy", &coord(plot.y(*v))),
                ("r", "3"),
                ("fill", s.color),
            ],
        );
    }
    let mut pts = String::with_capacity(points.len() * 12);
    for (i, (t, v)) in points.iter().enumerate() {
        if i > 0 {
            pts.push(' ');
        }
        pts.push_str(&coord(plot.x(*t)));
        pts.push(',');
        pts.push_str(&coord(plot.y(*v)));
    }
    h.empty(
        "polyline",
        &[
            ("points", &pts),
            ("stroke", s.color),
            ("data-series", s.name),
        ],
    );
}

/// The (time, value) pairs, thinned to at most `max` points by keeping the
/// lowest and highest value of each bucket, in time order.
fn thin(times: &[f64], values: &[f64], max: usize) -> Vec<(f64, f64)> {
    let pairs: Vec<(f64, f64)> = times.iter().copied().zip(values.iter().copied()).collect();
    if pairs.len() <= max || max < 2 {
        return pairs;
    }
    let bucket = pairs.len().div_ceil(max / 2);
    let mut out = Vec::with_capacity(max);
    for chunk in pairs.chunks(bucket) {
        let by_value = |a: &&(f64, f64), b: &&(f64, f64)| finite(a.1).total_cmp(&finite(b.1));
        let lo = chunk.iter().min_by(by_value).copied();
        let hi = chunk.iter().max_by(by_value).copied();
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo.0 < hi.0 => out.extend([lo, hi]),
            (Some(lo), Some(hi)) if lo.0 > hi.0 => out.extend([hi, lo]),
            (Some(p), _) => out.push(p),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_are_round() {
        assert_eq!(nice_scale(0.0), (0.2, 1.0));
        assert_eq!(nice_scale(47.0), (10.0, 50.0));
        assert_eq!(nice_scale(101.0), (25.0, 125.0));
        assert_eq!(nice_scale(3.2), (1.0, 4.0));
        assert_eq!(time_step(55.0), 10);
        assert_eq!(time_step(3_600.0), 600);
        assert_eq!(time_step(3.0 * 86_400.0), 43_200);
        assert_eq!(time_step(30.0 * 86_400.0), 5 * 86_400);
    }

    #[test]
    fn thinning_keeps_extremes_in_order() {
        let times: Vec<f64> = (0..10_000).map(f64::from).collect();
        let mut values = vec![1.0; 10_000];
        values[4_321] = 99.0;
        let pts = thin(&times, &values, 100);
        assert!(pts.len() <= 100);
        assert!(pts.iter().any(|p| p.1 == 99.0));
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(thin(&times[..5], &values[..5], 100).len(), 5);
    }
}
