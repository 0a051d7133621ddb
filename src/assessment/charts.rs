//! The trend chart, laid out on the server as SVG: each community's score in each quarter of
//! the year, a line per community told apart by dash and label; and the street dashboard's
//! sparklines.

use super::Period;
use super::compute::{Assessment, communities_only};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;

/// One line of a trend chart, laid out on the server.
pub struct Line {
    pub label: String,
    /// "x,y x,y …" for the polyline.
    pub points: String,
    pub dots: Vec<(i64, i64, String)>,
    pub end: (i64, i64),
}

/// Scores (0–100) over the quarters of the year, one line per community.
pub struct Chart {
    pub lines: Vec<Line>,
    pub xs: Vec<(i64, String)>,
    pub height: i64,
}

const LEFT: i64 = 36;
const STEP: i64 = 80;
const TOP: i64 = 10;
const PLOT: i64 = 160;

impl Chart {
    fn new(quarters: &[Period], series: Vec<(String, Vec<f64>)>) -> Chart {
        let y = |v: f64| TOP + PLOT - (v.clamp(0.0, 100.0) * PLOT as f64 / 100.0).round() as i64;
        let lines = series
            .into_iter()
            .map(|(label, vals)| {
                let dots: Vec<(i64, i64, String)> = vals
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (LEFT + i as i64 * STEP, y(*v), format!("{v:.1}")))
                    .collect();
                Line {
                    label,
                    points: dots
                        .iter()
                        .map(|(x, y, _)| format!("{x},{y}"))
                        .collect::<Vec<_>>()
                        .join(" "),
                    end: dots.last().map_or((LEFT, y(0.0)), |(x, y, _)| (*x, *y)),
                    dots,
                }
            })
            .collect();
        let mut lines: Vec<Line> = lines;
        let mut order: Vec<usize> = (0..lines.len()).collect();
        order.sort_by_key(|i| lines[*i].end.1);
        let mut last = i64::MIN;
        for i in order {
            let y = lines[i].end.1.max(last + 13);
            lines[i].end.1 = y;
            last = y;
        }
        Chart {
            lines,
            xs: quarters
                .iter()
                .enumerate()
                .map(|(i, q)| (LEFT + i as i64 * STEP, q.label.clone()))
                .collect(),
            height: TOP + PLOT + 30,
        }
    }
}

/// Each community's score in each quarter of the period's year so far; `shown` is the
/// assessment of the period on the page, reused where a quarter is that period.
pub async fn trend(
    state: &AppState,
    ctx: &Ctx,
    p: &Period,
    shown: &Assessment,
) -> Result<Chart, AppError> {
    let quarters = p.quarters_of_year();
    let mut series: Vec<(i64, String, Vec<f64>)> = Vec::new();
    for q in &quarters {
        let other;
        let a = if q.label == shown.period {
            shown
        } else {
            other = communities_only(state, ctx, q).await?;
            &other
        };
        for r in &a.communities {
            match series.iter_mut().find(|s| s.0 == r.community_id) {
                Some(s) => s.2.push(r.score),
                None => series.push((r.community_id, r.community.clone(), vec![r.score])),
            }
        }
    }
    series.sort_by_key(|s| s.0);
    Ok(Chart::new(
        &quarters,
        series.into_iter().map(|(_, n, v)| (n, v)).collect(),
    ))
}

/// The community's line, squeezed into a 120×40 box.
pub fn sparkline(l: &Line) -> Line {
    let dots: Vec<(i64, i64, String)> = l
        .dots
        .iter()
        .map(|(x, y, v)| ((x - LEFT) / 2 + 4, (y - TOP) / 4 + 2, v.clone()))
        .collect();
    Line {
        label: l.label.clone(),
        points: dots
            .iter()
            .map(|(x, y, _)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        end: dots.last().map_or((4, 42), |(x, y, _)| (*x, *y)),
        dots,
    }
}
