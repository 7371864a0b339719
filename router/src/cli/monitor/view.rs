//! What `headroom monitor` shows, and how: a plain model ([`MonitorView`])
//! and one pure [`render`] function, so the screen is tested with
//! ratatui's `TestBackend` without a terminal or a daemon.
//!
//! Layout (fits 80×24; wider terminals get longer bars, taller ones more
//! stream rows):
//! - a title line: profile, bypass, connection;
//! - the bus meters of the processed sink: level bars from −60 to 0 dB,
//!   output true peak against the ceiling, AGC gain, compressor and limiter
//!   gain reduction, short-term loudness;
//! - a row per app stream: app, route, level bar, Layer A gain;
//! - the last few events;
//! - a key help line.

use std::collections::VecDeque;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

/// Lowest level a bar shows, dBFS; quieter reads as an empty bar.
pub const BAR_FLOOR_DB: f32 = -60.0;
/// How many events the view keeps.
pub const EVENT_HISTORY: usize = 4;

/// The processed sink's meters, in dB (`short_term_lufs` in LUFS).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BusMeters {
    pub input_peak_db: f32,
    pub output_peak_db: f32,
    pub output_true_peak_db: f32,
    pub ceiling_db: f32,
    pub agc_gain_db: f32,
    pub comp_gr_db: f32,
    pub limiter_gr_db: f32,
    pub short_term_lufs: f32,
}

/// One app stream's row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamRow {
    pub id: u32,
    pub app: String,
    /// `processed` or `bypass`.
    pub route: String,
    /// Layer A's measured level, dBFS; `None` while unmeasured.
    pub level_dbfs: Option<f32>,
    /// Layer A's gain on top of the user's volume, dB; `None` when off.
    pub layer_a_gain_db: Option<f32>,
}

/// Everything on screen.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonitorView {
    /// Whether the router answers; when false, `notice` says why.
    pub connected: bool,
    pub profile: String,
    pub bypass: bool,
    /// `None` until the processed sink has published meters.
    pub meters: Option<BusMeters>,
    pub streams: Vec<StreamRow>,
    /// Newest last.
    pub events: VecDeque<String>,
    /// A line shown instead of the data (router absent, restarting …).
    pub notice: Option<String>,
}

impl MonitorView {
    /// Keeps the last [`EVENT_HISTORY`] events.
    pub fn push_event(&mut self, text: String) {
        self.events.push_back(text);
        while self.events.len() > EVENT_HISTORY {
            self.events.pop_front();
        }
    }
}

/// A bar of `width` cells for `db` between [`BAR_FLOOR_DB`] and 0 dB,
/// with eighth-cell resolution.
pub fn bar(db: f32, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let fraction = if db.is_finite() {
        ((db - BAR_FLOOR_DB) / -BAR_FLOOR_DB).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let eighths = (fraction * (width * 8) as f32).round() as usize;
    let mut text: String = "█".repeat(eighths / 8);
    if eighths / 8 < width {
        text.push(PARTS[eighths % 8]);
        text.extend(std::iter::repeat_n(' ', width - eighths / 8 - 1));
    }
    text
}

/// `-12.3` with a sign for gains, `   0.0` for nothing (never `-0.0`),
/// `  -inf` for silence.
fn db_text(db: f32) -> String {
    if !db.is_finite() || db <= -120.0 {
        "  -inf".to_string()
    } else if db.abs() < 0.05 {
        "   0.0".to_string()
    } else {
        format!("{db:+6.1}")
    }
}

fn level_colour(db: f32, ceiling_db: f32) -> Color {
    if db > ceiling_db + 0.05 {
        Color::Red
    } else if db > -6.0 {
        Color::Yellow
    } else {
        Color::Green
    }
}

/// Draws `view` over the whole frame.
pub fn render(frame: &mut Frame, view: &MonitorView) {
    let area = frame.area();
    let [title, bus, streams, events, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Min(3),
        Constraint::Length(EVENT_HISTORY as u16 + 2),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(title_line(view)), title);
    if let Some(notice) = &view.notice {
        let block = Block::default().borders(Borders::ALL).title(" headroom ");
        frame.render_widget(
            Paragraph::new(notice.as_str())
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            Rect {
                height: area.height.saturating_sub(2),
                ..bus
            },
        );
    } else {
        render_bus(frame, bus, view);
        render_streams(frame, streams, view);
        render_events(frame, events, view);
    }
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" q", Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(" quit   "),
            Span::raw("headroom monitor --json: the same data for scripts"),
        ])),
        help,
    );
}

fn title_line(view: &MonitorView) -> Line<'static> {
    let mut spans = vec![Span::styled(
        " headroom ",
        Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
    )];
    if view.connected {
        spans.push(Span::raw(format!(" profile {} ", view.profile)));
        if view.bypass {
            spans.push(Span::styled(
                " BYPASS ON ",
                Style::default().fg(Color::Black).bg(Color::Yellow),
            ));
        }
    } else {
        spans.push(Span::styled(
            " router not connected",
            Style::default().fg(Color::Red),
        ));
    }
    Line::from(spans)
}

fn render_bus(frame: &mut Frame, area: Rect, view: &MonitorView) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" processed sink ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(m) = view.meters else {
        frame.render_widget(
            Paragraph::new("no meters yet: nothing has played through the processed sink"),
            inner,
        );
        return;
    };
    // label 14 + value 12 + "  ceiling -1.0" 14: the bar takes the rest.
    let width = usize::from(inner.width).saturating_sub(40).max(8);
    let level = |label: &str, db: f32, unit: &str| {
        Line::from(vec![
            Span::raw(format!(" {label:<13}")),
            Span::styled(
                bar(db, width),
                Style::default().fg(level_colour(db, m.ceiling_db)),
            ),
            Span::raw(format!(" {} {unit}", db_text(db))),
        ])
    };
    let number = |label: &str, db: f32, unit: &str| {
        Line::from(format!(" {label:<13}{} {unit}", db_text(db)))
    };
    let mut true_peak = level("true peak", m.output_true_peak_db, "dBTP");
    true_peak
        .spans
        .push(Span::raw(format!("  ceiling {:.1}", m.ceiling_db)));
    let lines = vec![
        level("input peak", m.input_peak_db, "dBFS"),
        level("output peak", m.output_peak_db, "dBFS"),
        true_peak,
        number("loudness (S)", m.short_term_lufs, "LUFS"),
        number("AGC gain", m.agc_gain_db, "dB"),
        number("compressor", -m.comp_gr_db.abs(), "dB"),
        number("limiter", -m.limiter_gr_db.abs(), "dB"),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_streams(frame: &mut Frame, area: Rect, view: &MonitorView) {
    let block = Block::default().borders(Borders::ALL).title(" apps ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if view.streams.is_empty() {
        frame.render_widget(Paragraph::new(" no app is playing"), inner);
        return;
    }
    let width = usize::from(inner.width).saturating_sub(46).max(6);
    let mut lines = vec![Line::styled(
        format!(
            " {:<16} {:<9} {:<w$}  {:>6}  {:>8}",
            "APP",
            "ROUTE",
            "LEVEL",
            "dBFS",
            "LAYER A",
            w = width
        ),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    let rows = usize::from(inner.height).saturating_sub(1);
    for s in view.streams.iter().take(rows) {
        let app: String = s.app.chars().take(16).collect();
        let level = s.level_dbfs.unwrap_or(f32::NEG_INFINITY);
        lines.push(Line::from(vec![
            Span::raw(format!(" {app:<16} {:<9} ", s.route)),
            Span::styled(
                bar(level, width),
                Style::default().fg(level_colour(level, 0.0)),
            ),
            Span::raw(format!(
                "  {:>6}  {:>8}",
                s.level_dbfs.map_or("-".to_string(), |l| format!("{l:.1}")),
                s.layer_a_gain_db
                    .map_or("off".to_string(), |g| format!("{g:+.1} dB")),
            )),
        ]));
    }
    if view.streams.len() > rows {
        if let Some(last) = lines.last_mut() {
            *last = Line::from(format!(
                " … {} more (headroom status lists all)",
                view.streams.len() - rows + 1
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn render_events(frame: &mut Frame, area: Rect, view: &MonitorView) {
    let block = Block::default().borders(Borders::ALL).title(" events ");
    let lines: Vec<Line> = view
        .events
        .iter()
        .map(|e| Line::from(format!(" {e}")))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn screen(view: &MonitorView, width: u16, height: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|f| render(f, view)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..height)
            .map(|y| {
                (0..width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn busy() -> MonitorView {
        let mut view = MonitorView {
            connected: true,
            profile: "Default".into(),
            meters: Some(BusMeters {
                input_peak_db: 3.2,
                output_peak_db: -1.4,
                output_true_peak_db: -1.1,
                ceiling_db: -1.0,
                agc_gain_db: -4.5,
                comp_gr_db: 2.0,
                limiter_gr_db: 6.3,
                short_term_lufs: -17.9,
            }),
            streams: vec![
                StreamRow {
                    id: 71,
                    app: "Firefox".into(),
                    route: "processed".into(),
                    level_dbfs: Some(-21.5),
                    layer_a_gain_db: Some(-3.0),
                },
                StreamRow {
                    id: 72,
                    app: "Spotify".into(),
                    route: "bypass".into(),
                    level_dbfs: None,
                    layer_a_gain_db: None,
                },
            ],
            ..Default::default()
        };
        view.push_event("Firefox → processed (no rule matched: default_route)".into());
        view
    }

    #[test]
    fn numbers_read_cleanly() {
        assert_eq!(db_text(-0.0), "   0.0");
        assert_eq!(db_text(0.04), "   0.0");
        assert_eq!(db_text(-3.21), "  -3.2");
        assert_eq!(db_text(6.0), "  +6.0");
        assert_eq!(db_text(f32::NEG_INFINITY), "  -inf");
    }

    #[test]
    fn bars_span_the_floor_to_full_scale() {
        assert_eq!(bar(-60.0, 4), "    ");
        assert_eq!(bar(0.0, 4), "████");
        assert_eq!(bar(6.0, 4), "████");
        assert_eq!(bar(-30.0, 4), "██  ");
        assert_eq!(bar(f32::NAN, 3), "   ");
        assert_eq!(bar(-30.0, 4).chars().count(), 4);
    }

    #[test]
    fn everything_fits_at_80_by_24() {
        let text = screen(&busy(), 80, 24);
        if std::env::var_os("HEADROOM_PRINT_SCREEN").is_some() {
            println!("{text}");
        }
        for expected in [
            "profile Default",
            "input peak",
            "+3.2 dBFS",
            "true peak",
            "-1.1 dBTP  ceiling -1.0",
            "loudness (S)  -17.9 LUFS",
            "AGC gain",
            "-4.5 dB",
            "compressor",
            "-2.0 dB",
            "limiter",
            "-6.3 dB",
            "Firefox",
            "processed",
            "-21.5",
            "-3.0 dB",
            "Spotify",
            "bypass",
            "off",
            "Firefox → processed",
            "q quit",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        assert!(text.lines().all(|l| l.chars().count() <= 80));
    }

    #[test]
    fn an_absent_router_is_said_in_words() {
        let view = MonitorView {
            notice: Some("the headroom router is not running; retrying every second".into()),
            ..Default::default()
        };
        let text = screen(&view, 80, 24);
        assert!(text.contains("router not connected"), "{text}");
        assert!(text.contains("is not running; retrying"), "{text}");
        assert!(!text.contains("input peak"), "{text}");
    }

    #[test]
    fn too_many_streams_end_in_a_count() {
        let mut view = busy();
        view.streams = (0..30)
            .map(|i| StreamRow {
                id: i,
                app: format!("app{i}"),
                route: "processed".into(),
                ..Default::default()
            })
            .collect();
        let text = screen(&view, 80, 24);
        assert!(text.contains("more (headroom status lists all)"), "{text}");
    }
}
