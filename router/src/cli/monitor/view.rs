//! What `headroom monitor` shows, and how: a plain model ([`MonitorView`])
//! and one pure [`render`] function, so the screen is tested with
//! ratatui's `TestBackend` without a terminal or a daemon.
//!
//! Layout (fits 80×24; wider terminals get longer bars, taller ones more
//! stream rows):
//! - a title line: profile, bypass, connection;
//! - the bus meters of the processed sink: level bars from −60 to 0 dB
//!   over a dB scale, each with its peak held ([`hold`](super::hold)),
//!   the output's true peak against the ceiling, input loudness, AGC gain
//!   and the compressor's and limiter's gain reduction; its title says
//!   whether the output ever reached the ceiling;
//! - a line per running named bus and for the master limiter (while any
//!   runs): its output true peak as a bar and in dBTP against its own
//!   ceiling, and its AGC gain and gain reductions;
//! - a row per app stream, one selected: app, route, Layer A's level bar
//!   and gain (or why there is none);
//! - the last few events, the results of the user's actions among them;
//! - a key help line; `?` and `p` open a box over the apps.

use std::collections::VecDeque;
use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use super::hold::{CeilingLatch, PeakHold};

/// Lowest level a bar shows, dBFS; quieter reads as an empty bar.
pub const BAR_FLOOR_DB: f32 = -60.0;
/// How many events the view keeps.
pub const EVENT_HISTORY: usize = 4;
/// Where the dB scale under the bars has a label.
const SCALE_TICKS: [f32; 7] = [-60.0, -48.0, -36.0, -24.0, -12.0, -6.0, 0.0];
/// Width of a bar's label column.
const LABEL: usize = 18;

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
    /// The input's short-term loudness (before any processing).
    pub short_term_lufs: f32,
}

/// One running named bus's meters, or the master limiter's, for its line.
#[derive(Debug, Clone, PartialEq)]
pub struct BusLine {
    /// The bus's name, or `(master)`: no bus can be called that.
    pub label: String,
    pub meters: BusMeters,
}

/// The label of the master limiter's line.
pub const MASTER_LABEL: &str = "(master)";

/// The held peaks of the three level bars, and the values they show now.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MeterHolds {
    holds: [PeakHold; 3],
    /// Input peak, output peak, output true peak, dB, as shown.
    pub shown: [f32; 3],
}

impl MeterHolds {
    fn levels(m: &BusMeters) -> [f32; 3] {
        [m.input_peak_db, m.output_peak_db, m.output_true_peak_db]
    }

    /// Takes a meter update seen at `now`.
    pub fn update(&mut self, m: &BusMeters, now: Instant) {
        for (i, db) in Self::levels(m).into_iter().enumerate() {
            self.shown[i] = self.holds[i].update(db, now);
        }
    }

    /// Lets held peaks fall with no new update; whether anything shown
    /// changed (by a tenth of a dB or more).
    pub fn tick(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for (hold, shown) in self.holds.iter().zip(self.shown.iter_mut()) {
            let new = hold.shown(now);
            if (new - *shown).abs() >= 0.1 || (new.is_finite() != shown.is_finite()) {
                *shown = new;
                changed = true;
            }
        }
        changed
    }
}

/// What Layer A does on one stream.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Riding {
    /// It rides the stream: its measured level (`None` until measured)
    /// and its gain on top of the user's volume, dB.
    On {
        level_dbfs: Option<f32>,
        gain_db: f32,
    },
    /// It is off for this stream (the profile's `[layer_a]`, a rule, the
    /// user's choice, or the bypass switch).
    #[default]
    Off,
}

/// One app stream's row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamRow {
    pub id: u32,
    /// What the row shows: `application.name`, else `node ID`.
    pub app: String,
    /// What `SetRoute` and `SetLayerA` take for it: its
    /// `application.name`, else its binary; `None` when it has neither.
    pub app_key: Option<String>,
    /// `processed`, `bypass` or `held`.
    pub route: String,
    pub layer_a: Riding,
}

/// A box over the apps pane, taking the keys while open.
#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    /// What each key does.
    Help,
    /// The profiles to pick from (`ListProfiles`), `cursor` on one.
    Profiles { names: Vec<String>, cursor: usize },
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
    pub holds: MeterHolds,
    /// The running named buses and the master limiter, as the router
    /// last sent them; empty while none runs.
    pub buses: Vec<BusLine>,
    /// The active profile's named buses (what `r` offers), from the
    /// status and each profile change.
    pub bus_names: Vec<String>,
    /// Since the monitor started or the user cleared it (`c`).
    pub ceiling: CeilingLatch,
    pub streams: Vec<StreamRow>,
    /// The selected stream's id; the first row when it is gone.
    pub selected: Option<u32>,
    pub popup: Option<Popup>,
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

    /// Takes a meter update seen at `now`: the bars, their held peaks and
    /// the ceiling latch follow.
    pub fn take_meters(&mut self, m: BusMeters, now: Instant) {
        self.holds.update(&m, now);
        self.ceiling.update(m.output_true_peak_db, m.ceiling_db);
        self.meters = Some(m);
    }

    /// The selected row's index, if any row is there.
    pub fn selected_index(&self) -> Option<usize> {
        if self.streams.is_empty() {
            return None;
        }
        Some(
            self.selected
                .and_then(|id| self.streams.iter().position(|r| r.id == id))
                .unwrap_or(0),
        )
    }

    /// The selected row, if any row is there.
    pub fn selected_row(&self) -> Option<&StreamRow> {
        self.selected_index().map(|i| &self.streams[i])
    }

    /// Moves the selection `by` rows, stopping at either end.
    pub fn move_selection(&mut self, by: isize) {
        if let Some(i) = self.selected_index() {
            let last = self.streams.len() - 1;
            let to = i.saturating_add_signed(by).min(last);
            self.selected = Some(self.streams[to].id);
        }
    }
}

/// A bar of `width` cells for `db` between [`BAR_FLOOR_DB`] and 0 dB,
/// with eighth-cell resolution.
pub fn bar(db: f32, width: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let eighths = (bar_fraction(db) * (width * 8) as f32).round() as usize;
    let mut text: String = "█".repeat(eighths / 8);
    if eighths / 8 < width {
        text.push(PARTS[eighths % 8]);
        text.extend(std::iter::repeat_n(' ', width - eighths / 8 - 1));
    }
    text
}

/// Where `db` sits on a bar, 0 (floor or below, or not a number) to 1.
fn bar_fraction(db: f32) -> f32 {
    if db.is_finite() {
        ((db - BAR_FLOOR_DB) / -BAR_FLOOR_DB).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// [`bar`] with a `│` marking the held peak `hold_db` where it is above
/// the live value.
pub fn bar_with_hold(db: f32, hold_db: f32, width: usize) -> String {
    let mut cells: Vec<char> = bar(db, width).chars().collect();
    if width > 0 && hold_db.is_finite() && hold_db > db && bar_fraction(hold_db) > 0.0 {
        let at = ((bar_fraction(hold_db) * width as f32).ceil() as usize).clamp(1, width) - 1;
        if cells[at] != '█' {
            cells[at] = '│';
        }
    }
    cells.into_iter().collect()
}

/// The dB scale under bars of `width` cells: each of [`SCALE_TICKS`]
/// labelled where it falls, as long as labels do not collide.
pub fn scale(width: usize) -> String {
    let mut cells = vec![' '; width + 3];
    let mut free_from = 0;
    for tick in SCALE_TICKS {
        let label = format!("{}", tick as i32);
        let at = (bar_fraction(tick) * width as f32).round() as usize;
        let start = at
            .saturating_sub(label.len() / 2)
            .min(cells.len() - label.len());
        if start < free_from {
            continue;
        }
        for (i, c) in label.chars().enumerate() {
            cells[start + i] = c;
        }
        free_from = start + label.len() + 1;
    }
    cells.into_iter().collect::<String>().trim_end().to_string()
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

fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// Draws `view` over the whole frame.
pub fn render(frame: &mut Frame, view: &MonitorView) {
    let area = frame.area();
    let bus_lines = if view.notice.is_some() {
        0
    } else {
        view.buses.len() as u16
    };
    let [title, bus, buses, streams, events, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(8),
        Constraint::Length(bus_lines),
        Constraint::Min(4),
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
            bus.union(streams),
        );
    } else {
        render_bus(frame, bus, view);
        render_buses(frame, buses, view);
        render_streams(frame, streams, view);
        if let Some(popup) = &view.popup {
            render_popup(frame, bus.union(streams), popup);
        }
    }
    // Also while the router is away: what became of the last actions.
    render_events(frame, events, view);
    let key = |k: &'static str| Span::styled(k, bold());
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            key(" ↑↓"),
            Span::raw(" select  "),
            key("r"),
            Span::raw(" route  "),
            key("l"),
            Span::raw(" Layer A  "),
            key("b"),
            Span::raw(" bypass  "),
            key("p"),
            Span::raw(" profile  "),
            key("c"),
            Span::raw(" clear  "),
            key("?"),
            Span::raw(" keys  "),
            key("q"),
            Span::raw(" quit"),
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
                " BYPASS ON: nothing is processed ",
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

/// The bus block's title: what it is, and whether the output ever
/// reached or passed the ceiling.
fn bus_title(view: &MonitorView) -> Line<'static> {
    let mut spans = vec![Span::raw(" processed sink ")];
    let latch = view.ceiling;
    if latch.overs > 0 {
        spans.push(Span::styled(
            format!(" OVER THE CEILING ×{} (c clears) ", latch.overs),
            Style::default().fg(Color::White).bg(Color::Red),
        ));
    } else if latch.reached > 0 {
        spans.push(Span::styled(
            " ● output reached the ceiling: limited (c clears) ",
            Style::default().fg(Color::Yellow),
        ));
    }
    Line::from(spans)
}

fn render_bus(frame: &mut Frame, area: Rect, view: &MonitorView) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(bus_title(view));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(m) = view.meters else {
        frame.render_widget(
            Paragraph::new("no meters yet: nothing has played through the processed sink"),
            inner,
        );
        return;
    };
    // label 18 + value 12 + "  ceiling -1.0" 14: the bar takes the rest.
    let width = usize::from(inner.width).saturating_sub(LABEL + 26).max(8);
    let level = |label: &str, db: f32, held: f32, unit: &str| {
        Line::from(vec![
            Span::raw(format!(" {label:<w$}", w = LABEL - 1)),
            Span::styled(
                bar_with_hold(db, held, width),
                Style::default().fg(level_colour(db.max(held), m.ceiling_db)),
            ),
            Span::raw(format!(" {} {unit}", db_text(db))),
        ])
    };
    let held = view.holds.shown;
    let mut true_peak = level("output true peak", m.output_true_peak_db, held[2], "dBTP");
    true_peak
        .spans
        .push(Span::raw(format!("  ceiling {:.1}", m.ceiling_db)));
    let lines = vec![
        level("input peak", m.input_peak_db, held[0], "dBFS"),
        level("output peak", m.output_peak_db, held[1], "dBFS"),
        true_peak,
        Line::styled(
            format!("{}{} dB", " ".repeat(LABEL), scale(width)),
            Style::default().fg(Color::DarkGray),
        ),
        Line::from(format!(
            " {:<w$}{} LUFS (short-term, before processing)",
            "input loudness",
            db_text(m.short_term_lufs),
            w = LABEL - 1
        )),
        Line::from(format!(
            " AGC gain {} dB   compressor {} dB   limiter {} dB",
            db_text(m.agc_gain_db).trim_start(),
            db_text(-m.comp_gr_db.abs()).trim_start(),
            db_text(-m.limiter_gr_db.abs()).trim_start(),
        )),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A line per running bus: ` voice        ████▌       -12.3 dBTP ≤ -12.0
/// AGC -4.5  comp -2.0  lim -0.4`.
fn render_buses(frame: &mut Frame, area: Rect, view: &MonitorView) {
    // label 13 + " -12.3 dBTP ≤ -12.0  AGC -14.5  comp -12.0  lim -10.4" 54.
    let width = usize::from(area.width).saturating_sub(13 + 54).max(4);
    let lines: Vec<Line> = view
        .buses
        .iter()
        .map(|b| {
            let m = b.meters;
            let label: String = b.label.chars().take(12).collect();
            Line::from(vec![
                Span::raw(format!(" {label:<12}")),
                Span::styled(
                    bar(m.output_true_peak_db, width),
                    Style::default().fg(level_colour(m.output_true_peak_db, m.ceiling_db)),
                ),
                Span::raw(format!(
                    " {} dBTP ≤ {:.1}  AGC {}  comp {}  lim {}",
                    db_text(m.output_true_peak_db),
                    m.ceiling_db,
                    db_text(m.agc_gain_db).trim_start(),
                    db_text(-m.comp_gr_db.abs()).trim_start(),
                    db_text(-m.limiter_gr_db.abs()).trim_start(),
                )),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn render_streams(frame: &mut Frame, area: Rect, view: &MonitorView) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" apps: level and gain are Layer A's, the per-app rider ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if view.streams.is_empty() {
        frame.render_widget(Paragraph::new(" no app is playing"), inner);
        return;
    }
    let width = usize::from(inner.width).saturating_sub(48).max(6);
    let mut lines = vec![Line::styled(
        format!(
            "  {:<16} {:<9} {:<w$}  {:>6}  {:>8}",
            "APP",
            "ROUTE",
            "LEVEL",
            "dBFS",
            "LAYER A",
            w = width
        ),
        bold(),
    )];
    let rows = usize::from(inner.height).saturating_sub(1);
    let selected = view.selected_index().unwrap_or(0);
    // Scroll so the selected row is always on screen.
    let first = (selected + 1).saturating_sub(rows);
    for (i, s) in view.streams.iter().enumerate().skip(first).take(rows) {
        let app: String = s.app.chars().take(16).collect();
        let mark = if i == selected { '›' } else { ' ' };
        let mut spans = vec![Span::raw(format!("{mark} {app:<16} {:<9} ", s.route))];
        match s.layer_a {
            Riding::On {
                level_dbfs,
                gain_db,
            } => {
                let level = level_dbfs.unwrap_or(f32::NEG_INFINITY);
                spans.push(Span::styled(
                    bar(level, width),
                    Style::default().fg(level_colour(level, 0.0)),
                ));
                spans.push(Span::raw(format!(
                    "  {:>6}  {:>8}",
                    level_dbfs.map_or("-".to_string(), |l| format!("{l:.1}")),
                    format!("{gain_db:+.1} dB"),
                )));
            }
            Riding::Off => spans.push(Span::styled(
                format!("{:<w$}", "not measured: Layer A is off (l)", w = width + 18),
                Style::default().fg(Color::DarkGray),
            )),
        }
        let mut line = Line::from(spans);
        if i == selected {
            line = line.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        lines.push(line);
    }
    let hidden = view.streams.len().saturating_sub(first + rows);
    if hidden > 0 {
        if let Some(last) = lines.last_mut() {
            *last = Line::from(format!(
                " … {} more below (↓ scrolls; headroom status lists all)",
                hidden + 1
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

/// What each key does, for the `?` box.
pub const KEY_HELP: [(&str, &str); 9] = [
    ("↑ ↓  j k", "select an app"),
    (
        "r  Enter",
        "route the app: processed → each bus → bypass (saved)",
    ),
    ("l", "Layer A on/off for the app (saved with its route)"),
    ("b", "bypass switch: nothing processed / back to the rules"),
    ("p", "pick a profile (↑↓ then Enter; Esc cancels)"),
    ("c", "clear the ceiling indicator"),
    ("?", "this help (any key closes it)"),
    ("q  Esc", "quit"),
    ("", "every action goes through the router's varlink API"),
];

fn render_popup(frame: &mut Frame, over: Rect, popup: &Popup) {
    let (title, lines): (&str, Vec<Line>) = match popup {
        Popup::Help => (
            " keys ",
            KEY_HELP
                .iter()
                .map(|(k, what)| {
                    Line::from(vec![
                        Span::styled(format!(" {k:<10}"), bold()),
                        Span::raw(*what),
                    ])
                })
                .collect(),
        ),
        Popup::Profiles { names, cursor } => (
            " use which profile? (Enter uses, Esc cancels) ",
            names
                .iter()
                .enumerate()
                // Scrolled so the cursor is always inside the box.
                .skip((*cursor + 1).saturating_sub(usize::from(over.height.saturating_sub(2))))
                .map(|(i, name)| {
                    let line = Line::from(format!(" {name}"));
                    if i == *cursor {
                        line.style(Style::default().add_modifier(Modifier::REVERSED))
                    } else {
                        line
                    }
                })
                .collect(),
        ),
    };
    let height = (lines.len() as u16 + 2).min(over.height);
    let width = over.width.saturating_sub(4).min(76);
    let area = Rect {
        x: over.x + (over.width - width) / 2,
        y: over.y + (over.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
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
                    app_key: Some("Firefox".into()),
                    route: "processed".into(),
                    layer_a: Riding::On {
                        level_dbfs: Some(-21.5),
                        gain_db: -3.0,
                    },
                },
                StreamRow {
                    id: 72,
                    app: "Spotify".into(),
                    app_key: Some("Spotify".into()),
                    route: "bypass".into(),
                    layer_a: Riding::Off,
                },
            ],
            ..Default::default()
        };
        let meters = view.meters.unwrap();
        view.take_meters(meters, Instant::now());
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
            "output true peak",
            "-1.1 dBTP  ceiling -1.0",
            "-60   -48",
            "-12",
            "0 dB",
            "input loudness",
            "-17.9 LUFS (short-term, before processing)",
            "AGC gain -4.5 dB   compressor -2.0 dB   limiter -6.3 dB",
            "output reached the ceiling",
            "level and gain are Layer A's",
            "› Firefox",
            "processed",
            "-21.5",
            "-3.0 dB",
            "Spotify",
            "bypass",
            "not measured: Layer A is off (l)",
            "Firefox → processed",
            "r route",
            "? keys",
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
    fn each_running_bus_gets_a_line_against_its_own_ceiling() {
        let mut view = busy();
        let line = |label: &str, tp: f32, ceiling: f32, lim: f32| BusLine {
            label: label.into(),
            meters: BusMeters {
                output_true_peak_db: tp,
                ceiling_db: ceiling,
                limiter_gr_db: lim,
                agc_gain_db: 3.0,
                ..Default::default()
            },
        };
        view.buses = vec![
            line("voice", -12.3, -12.0, 4.0),
            line("surround", -1.4, -1.0, 0.0),
            line(MASTER_LABEL, -1.2, -1.0, 0.5),
        ];
        let text = screen(&view, 80, 24);
        if std::env::var_os("HEADROOM_PRINT_SCREEN").is_some() {
            println!("{text}");
        }
        for expected in [
            " voice ",
            "-12.3 dBTP ≤ -12.0  AGC +3.0  comp 0.0  lim -4.0",
            " surround ",
            "-1.4 dBTP ≤ -1.0",
            " (master) ",
            "-1.2 dBTP ≤ -1.0",
            // Still everything else at 80×24.
            "output true peak",
            "› Firefox",
            "Firefox → processed",
            "q quit",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        assert!(text.lines().all(|l| l.chars().count() <= 80));
        // None running: no line for them.
        view.buses.clear();
        assert!(!screen(&view, 80, 24).contains("(master)"));
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
        assert!(text.contains("more below"), "{text}");
        // The selection scrolls the list: the last row is on screen.
        view.selected = Some(29);
        let text = screen(&view, 80, 24);
        assert!(text.contains("› app29"), "{text}");
        assert!(!text.contains("more below"), "{text}");
    }

    #[test]
    fn held_peaks_show_as_a_mark_above_the_bar() {
        assert_eq!(bar_with_hold(-30.0, -15.0, 4), "██│ ");
        assert_eq!(bar_with_hold(-30.0, -1.0, 4), "██ │");
        assert_eq!(bar_with_hold(-30.0, -40.0, 4), "██  ");
        assert_eq!(bar_with_hold(-30.0, f32::NEG_INFINITY, 4), "██  ");
        assert_eq!(bar_with_hold(f32::NEG_INFINITY, 0.0, 4), "   │");
    }

    #[test]
    fn the_scale_labels_fit_and_never_collide() {
        for width in [8, 20, 37, 100] {
            let s = scale(width);
            assert!(s.starts_with("-60"), "{width}: {s:?}");
            assert!(s.chars().count() <= width + 3, "{width}: {s:?}");
            assert!(!s.contains("-12-6"), "{width}: {s:?}");
        }
        assert!(scale(36).ends_with(" 0"), "{:?}", scale(36));
    }

    #[test]
    fn an_over_is_said_loudly_and_the_boxes_draw_over_the_apps() {
        let mut view = busy();
        view.ceiling.overs = 2;
        view.popup = Some(Popup::Help);
        let text = screen(&view, 80, 24);
        assert!(text.contains("OVER THE CEILING ×2"), "{text}");
        assert!(text.contains("pick a profile"), "{text}");
        view.popup = Some(Popup::Profiles {
            names: vec!["default".into(), "night".into()],
            cursor: 1,
        });
        let text = screen(&view, 80, 24);
        assert!(text.contains("use which profile?"), "{text}");
        assert!(text.contains(" night"), "{text}");
        // More profiles than fit: the list scrolls to the cursor.
        view.popup = Some(Popup::Profiles {
            names: (0..40).map(|i| format!("profile-{i}")).collect(),
            cursor: 39,
        });
        let text = screen(&view, 80, 24);
        assert!(text.contains(" profile-39"), "{text}");
        assert!(!text.contains(" profile-0 "), "{text}");
    }

    #[test]
    fn events_stay_on_screen_while_the_router_is_away() {
        let mut view = MonitorView {
            notice: Some("the router stopped".into()),
            ..Default::default()
        };
        view.push_event("failed: bypass on: the router is not running".into());
        let text = screen(&view, 80, 24);
        assert!(text.contains("the router stopped"), "{text}");
        assert!(text.contains("failed: bypass on"), "{text}");
    }
}
