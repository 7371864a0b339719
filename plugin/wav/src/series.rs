//! Per-window time series of a run (`--csv`, `--plot`): levels in and out,
//! true peak against the ceiling, and each stage's gain.
//!
//! Windows are about 100 ms (a whole number of the chain's 64-frame
//! chunks: 4800 frames at 48 kHz, 4416 at 44.1 kHz). The CSV gets every window, streamed as it is made;
//! the plot keeps at most [`MAX_POINTS`] points, merging neighbours
//! (loudest peak, deepest gain reduction) as a long file goes on, so
//! memory stays bounded.

use std::io::Write;

/// Nominal window length, seconds.
pub const WINDOW_S: f64 = 0.1;
/// Points kept for the plot.
pub const MAX_POINTS: usize = 4096;

/// One window. Levels in dB (`None` for silence or not yet measurable);
/// gains in dB, reductions positive.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Row {
    /// Start of the window, seconds from the start of the input.
    pub start_s: f64,
    /// Length covered, seconds (grows when points are merged).
    pub span_s: f64,
    pub input_peak_dbfs: Option<f64>,
    pub input_true_peak_dbtp: Option<f64>,
    pub output_peak_dbfs: Option<f64>,
    pub output_true_peak_dbtp: Option<f64>,
    pub input_short_term_lufs: Option<f64>,
    pub output_short_term_lufs: Option<f64>,
    /// AGC gain at the end of the window (positive is boost).
    pub agc_gain_db: f64,
    /// Most gain reduction in the window.
    pub compressor_gr_db: f64,
    pub limiter_gr_db: f64,
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Row {
    /// Two neighbouring windows as one point: the larger level, the later
    /// AGC gain, the deeper reductions.
    fn merge(self, next: Row) -> Row {
        Row {
            start_s: self.start_s,
            span_s: self.span_s + next.span_s,
            input_peak_dbfs: max_opt(self.input_peak_dbfs, next.input_peak_dbfs),
            input_true_peak_dbtp: max_opt(self.input_true_peak_dbtp, next.input_true_peak_dbtp),
            output_peak_dbfs: max_opt(self.output_peak_dbfs, next.output_peak_dbfs),
            output_true_peak_dbtp: max_opt(self.output_true_peak_dbtp, next.output_true_peak_dbtp),
            input_short_term_lufs: max_opt(self.input_short_term_lufs, next.input_short_term_lufs),
            output_short_term_lufs: max_opt(
                self.output_short_term_lufs,
                next.output_short_term_lufs,
            ),
            agc_gain_db: next.agc_gain_db,
            compressor_gr_db: self.compressor_gr_db.max(next.compressor_gr_db),
            limiter_gr_db: self.limiter_gr_db.max(next.limiter_gr_db),
        }
    }
}

/// The CSV header, matching [`write_csv_row`].
pub const CSV_HEADER: &str = "time_s,input_peak_dbfs,input_true_peak_dbtp,output_peak_dbfs,output_true_peak_dbtp,ceiling_dbtp,input_short_term_lufs,output_short_term_lufs,agc_gain_db,compressor_gr_db,limiter_gr_db";

/// One CSV line; empty fields are silence (−∞).
pub fn write_csv_row(w: &mut impl Write, r: &Row, ceiling_db: f64) -> std::io::Result<()> {
    let o = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.3}"));
    writeln!(
        w,
        "{:.3},{},{},{},{},{ceiling_db:.2},{},{},{:.3},{:.3},{:.3}",
        r.start_s,
        o(r.input_peak_dbfs),
        o(r.input_true_peak_dbtp),
        o(r.output_peak_dbfs),
        o(r.output_true_peak_dbtp),
        o(r.input_short_term_lufs),
        o(r.output_short_term_lufs),
        r.agc_gain_db,
        r.compressor_gr_db,
        r.limiter_gr_db
    )
}

/// Rows kept for the plot, bounded by [`MAX_POINTS`].
#[derive(Debug, Default)]
pub struct PlotSeries {
    rows: Vec<Row>,
    /// Windows per point.
    per_point: usize,
    pending: Option<(Row, usize)>,
}

impl PlotSeries {
    pub fn new() -> PlotSeries {
        PlotSeries {
            rows: Vec::new(),
            per_point: 1,
            pending: None,
        }
    }

    pub fn push(&mut self, row: Row) {
        let (acc, n) = match self.pending.take() {
            Some((acc, n)) => (acc.merge(row), n + 1),
            None => (row, 1),
        };
        if n < self.per_point {
            self.pending = Some((acc, n));
            return;
        }
        self.rows.push(acc);
        if self.rows.len() >= MAX_POINTS {
            self.rows = self
                .rows
                .chunks(2)
                .map(|c| if c.len() == 2 { c[0].merge(c[1]) } else { c[0] })
                .collect();
            self.per_point *= 2;
        }
    }

    /// All points, including a partly filled last one.
    pub fn rows(&self) -> Vec<Row> {
        let mut v = self.rows.clone();
        if let Some((r, _)) = self.pending {
            v.push(r);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_run_stays_bounded_and_keeps_the_loudest_peak() {
        let mut s = PlotSeries::new();
        for i in 0..50_000 {
            s.push(Row {
                start_s: i as f64 * WINDOW_S,
                span_s: WINDOW_S,
                output_true_peak_dbtp: Some(if i == 31_337 { -0.5 } else { -3.0 }),
                limiter_gr_db: if i == 77 { 6.0 } else { 0.0 },
                ..Row::default()
            });
        }
        let rows = s.rows();
        assert!(rows.len() <= MAX_POINTS, "{}", rows.len());
        let tp = rows
            .iter()
            .filter_map(|r| r.output_true_peak_dbtp)
            .fold(f64::MIN, f64::max);
        assert_eq!(tp, -0.5);
        assert_eq!(
            rows.iter().map(|r| r.limiter_gr_db).fold(0.0, f64::max),
            6.0
        );
        let covered: f64 = rows.iter().map(|r| r.span_s).sum();
        assert!((covered - 5000.0).abs() < 1e-6, "{covered}");
    }
}
