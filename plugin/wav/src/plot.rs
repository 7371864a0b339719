//! `--plot FILE.png`: three panels over time, one point per series window
//! (see [`crate::series`]):
//! 1. levels: input and output sample peak, input and output short-term
//!    loudness;
//! 2. true peak: input and output against the ceiling (dashed);
//! 3. gain: AGC gain (+ is boost) and the compressor's and limiter's gain
//!    reduction (drawn downwards).
//!
//! Drawn with `plotters`' bitmap backend; text comes from the public-domain
//! 8×8 bitmap font of `font8x8`, so no system fonts or libraries are needed.

use std::path::Path;

use font8x8::{UnicodeFonts, BASIC_FONTS};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::series::Row;

const WIDTH: u32 = 1400;
const HEIGHT: u32 = 960;
const LEFT: i32 = 90;
const RIGHT: i32 = 220;
const TOP: i32 = 40;
const PANEL_GAP: i32 = 46;
const BOTTOM: i32 = 50;

const INPUT: RGBColor = RGBColor(150, 150, 150);
const OUTPUT: RGBColor = RGBColor(30, 90, 200);
const LOUD_IN: RGBColor = RGBColor(230, 140, 30);
const LOUD_OUT: RGBColor = RGBColor(20, 150, 60);
const CEILING: RGBColor = RGBColor(200, 0, 0);
const GRID: RGBColor = RGBColor(225, 225, 225);
const INK: RGBColor = RGBColor(20, 20, 20);

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Text in the 8×8 font, `scale` pixels per font pixel, top-left at (x, y).
fn text(area: &Area<'_>, x: i32, y: i32, s: &str, color: &RGBColor, scale: i32) {
    let mut cx = x;
    for ch in s.chars() {
        let glyph = BASIC_FONTS.get(ch).or_else(|| BASIC_FONTS.get('?'));
        if let Some(rows) = glyph {
            for (gy, bits) in rows.iter().enumerate() {
                for gx in 0..8 {
                    if bits & (1 << gx) != 0 {
                        for dy in 0..scale {
                            for dx in 0..scale {
                                let _ = area.draw_pixel(
                                    (cx + gx * scale + dx, y + gy as i32 * scale + dy),
                                    color,
                                );
                            }
                        }
                    }
                }
            }
        }
        cx += 8 * scale;
    }
}

/// A panel's pixel box and value ranges.
struct Panel {
    x0: i32,
    x1: i32,
    y0: i32,
    y1: i32,
    t_max: f64,
    lo: f64,
    hi: f64,
}

impl Panel {
    fn px(&self, t: f64, v: f64) -> (i32, i32) {
        let x = self.x0 as f64 + (t / self.t_max).clamp(0.0, 1.0) * f64::from(self.x1 - self.x0);
        let f = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        let y = self.y1 as f64 - f * f64::from(self.y1 - self.y0);
        (x.round() as i32, y.round() as i32)
    }

    fn frame(&self, area: &Area<'_>, title: &str, unit: &str, step: f64) -> Result<(), String> {
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let mut v = (self.lo / step).ceil() * step;
        while v <= self.hi + 1e-9 {
            let (_, y) = self.px(0.0, v);
            area.draw(&PathElement::new(vec![(self.x0, y), (self.x1, y)], GRID))
                .map_err(e)?;
            let label = format!("{v:>4.0}");
            text(
                area,
                self.x0 - 8 * label.len() as i32 - 6,
                y - 4,
                &label,
                &INK,
                1,
            );
            v += step;
        }
        area.draw(&Rectangle::new(
            [(self.x0, self.y0), (self.x1, self.y1)],
            INK.stroke_width(1),
        ))
        .map_err(e)?;
        text(area, self.x0, self.y0 - 14, title, &INK, 1);
        text(area, self.x0 - 60, self.y0 - 14, unit, &INK, 1);
        Ok(())
    }

    fn line(
        &self,
        area: &Area<'_>,
        rows: &[Row],
        value: impl Fn(&Row) -> Option<f64>,
        style: ShapeStyle,
    ) -> Result<(), String> {
        let points: Vec<(i32, i32)> = rows
            .iter()
            .map(|r| self.px(r.start_s + r.span_s / 2.0, value(r).unwrap_or(self.lo)))
            .collect();
        area.draw(&PathElement::new(points, style))
            .map_err(|e| e.to_string())
    }

    fn legend(&self, area: &Area<'_>, row: i32, label: &str, color: &RGBColor) {
        let y = self.y0 + 8 + row * 16;
        let _ = area.draw(&PathElement::new(
            vec![(self.x1 + 14, y + 4), (self.x1 + 34, y + 4)],
            color.stroke_width(3),
        ));
        text(area, self.x1 + 40, y, label, &INK, 1);
    }
}

/// Writes the picture for `rows` (time order) to `path`.
pub fn draw(path: &Path, rows: &[Row], ceiling_db: f64, name: &str) -> Result<(), String> {
    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let t_max = rows.last().map_or(1.0, |r| r.start_s + r.span_s).max(1e-3);
    let panel_h = (HEIGHT as i32 - TOP - BOTTOM - 2 * PANEL_GAP) / 3;
    let x1 = WIDTH as i32 - RIGHT;
    let panel = |i: i32, lo: f64, hi: f64| Panel {
        x0: LEFT,
        x1,
        y0: TOP + i * (panel_h + PANEL_GAP),
        y1: TOP + i * (panel_h + PANEL_GAP) + panel_h,
        t_max,
        lo,
        hi,
    };
    text(
        &root,
        LEFT,
        8,
        &format!("headroom-wav: {name}, ceiling {ceiling_db:+.1} dBTP"),
        &INK,
        2,
    );

    let levels = panel(0, -60.0, 6.0);
    levels.frame(&root, "levels (peak dBFS, short-term LUFS)", "dB", 12.0)?;
    levels.line(&root, rows, |r| r.input_peak_dbfs, INPUT.stroke_width(1))?;
    levels.line(&root, rows, |r| r.output_peak_dbfs, OUTPUT.stroke_width(1))?;
    levels.line(
        &root,
        rows,
        |r| r.input_short_term_lufs,
        LOUD_IN.stroke_width(2),
    )?;
    levels.line(
        &root,
        rows,
        |r| r.output_short_term_lufs,
        LOUD_OUT.stroke_width(2),
    )?;
    levels.legend(&root, 0, "input peak", &INPUT);
    levels.legend(&root, 1, "output peak", &OUTPUT);
    levels.legend(&root, 2, "input LUFS-S", &LOUD_IN);
    levels.legend(&root, 3, "output LUFS-S", &LOUD_OUT);

    let peaks = rows
        .iter()
        .flat_map(|r| [r.input_true_peak_dbtp, r.output_true_peak_dbtp])
        .flatten()
        .fold(ceiling_db, f64::max);
    let tp = panel(
        1,
        (ceiling_db - 12.0).floor(),
        (peaks + 1.0).ceil().max(ceiling_db + 2.0),
    );
    tp.frame(&root, "true peak (dBTP) against the ceiling", "dBTP", 3.0)?;
    tp.line(
        &root,
        rows,
        |r| r.input_true_peak_dbtp,
        INPUT.stroke_width(1),
    )?;
    tp.line(
        &root,
        rows,
        |r| r.output_true_peak_dbtp,
        OUTPUT.stroke_width(2),
    )?;
    // The ceiling, dashed.
    let (_, cy) = tp.px(0.0, ceiling_db);
    let mut x = tp.x0;
    while x < tp.x1 {
        root.draw(&PathElement::new(
            vec![(x, cy), ((x + 10).min(tp.x1), cy)],
            CEILING.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
        x += 16;
    }
    tp.legend(&root, 0, "input", &INPUT);
    tp.legend(&root, 1, "output", &OUTPUT);
    tp.legend(&root, 2, "ceiling", &CEILING);

    let deepest = rows
        .iter()
        .map(|r| r.compressor_gr_db.max(r.limiter_gr_db).max(-r.agc_gain_db))
        .fold(6.0, f64::max);
    let boost = rows.iter().map(|r| r.agc_gain_db).fold(6.0, f64::max);
    let gain = panel(2, -(deepest.ceil() + 1.0), boost.ceil() + 1.0);
    let step = if gain.hi - gain.lo > 40.0 { 10.0 } else { 3.0 };
    gain.frame(
        &root,
        "gain per stage (dB; reductions downwards)",
        "dB",
        step,
    )?;
    gain.line(
        &root,
        rows,
        |r| Some(r.agc_gain_db),
        LOUD_OUT.stroke_width(2),
    )?;
    gain.line(
        &root,
        rows,
        |r| Some(-r.compressor_gr_db),
        LOUD_IN.stroke_width(2),
    )?;
    gain.line(
        &root,
        rows,
        |r| Some(-r.limiter_gr_db),
        CEILING.stroke_width(2),
    )?;
    gain.legend(&root, 0, "AGC gain", &LOUD_OUT);
    gain.legend(&root, 1, "compressor GR", &LOUD_IN);
    gain.legend(&root, 2, "limiter GR", &CEILING);

    // Time axis under the last panel.
    let step = nice_step(t_max / 10.0);
    let mut t = 0.0;
    while t <= t_max + 1e-9 {
        let (x, _) = gain.px(t, gain.lo);
        let label = if t_max >= 600.0 {
            format!("{}:{:02}", (t / 60.0) as u64 / 60, (t / 60.0) as u64 % 60)
        } else {
            format!("{t:.1}")
        };
        text(
            &root,
            x - 4 * label.len() as i32,
            gain.y1 + 8,
            &label,
            &INK,
            1,
        );
        t += step;
    }
    let unit = if t_max >= 600.0 {
        "time (h:mm)"
    } else {
        "time (s)"
    };
    text(&root, (LEFT + x1) / 2 - 40, gain.y1 + 26, unit, &INK, 1);
    root.present().map_err(|e| e.to_string())
}

/// 1, 2 or 5 × a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.max(1e-3).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * p)
}
