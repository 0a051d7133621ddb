//! The ranking as a spreadsheet: `GET /api/v1/assessment.xlsx`.

use crate::platform::web::Query;
use axum::extract::State;
use axum::response::Response;

use super::{AssessmentQuery, COMPONENTS, assess};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::t;
use crate::platform::sheets::{Cell, Table, XLSX, download, to_xlsx};

/// The ranking as a spreadsheet: one sheet for communities, one for workers, each component
/// with its score and the two numbers behind it.
#[utoipa::path(get, path = "/api/v1/assessment.xlsx", tag = "assessment", params(AssessmentQuery), security(("bearer" = [])),
    responses((status = 200, description = "the spreadsheet", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 403), (status = 422)))]
pub(super) async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, AppError> {
    // Authorized in assess > assess_with > reach: AssessmentRead
    let p = q.period()?;
    let a = assess(&state, &ctx, &p).await?;
    let lang = ctx.lang;
    let mut headers: Vec<&'static str> = vec![
        t(lang, "assessment.rank"),
        t(lang, "common.community"),
        t(lang, "assessment.score"),
    ];
    for code in COMPONENTS {
        headers.push(t(lang, &format!("assessment_component.{code}")));
        headers.push(t(lang, "assessment.numerator"));
        headers.push(t(lang, "assessment.denominator"));
    }
    let comp_cells = |cs: &[super::Component]| -> Vec<Cell> {
        let mut row = Vec::new();
        for code in COMPONENTS {
            match cs.iter().find(|c| c.component == code) {
                Some(c) => {
                    row.push(c.score.map_or(Cell::Text("—".into()), Cell::Percent));
                    row.push(c.numerator.into());
                    row.push(c.denominator.into());
                }
                None => row.extend([Cell::Text("—".into()), "".into(), "".into()]),
            }
        }
        row
    };
    let communities = Table {
        name: t(lang, "assessment.sheet_communities").to_owned(),
        title: format!("{} {}", t(lang, "assessment.title"), a.period),
        headers: headers.clone(),
        rows: a
            .communities
            .iter()
            .map(|r| {
                let mut row: Vec<Cell> = vec![
                    r.rank.into(),
                    r.community.clone().into(),
                    Cell::Num(r.score),
                ];
                row.extend(r.components.as_deref().map_or_else(Vec::new, comp_cells));
                row
            })
            .collect(),
    };
    let mut wheaders = headers;
    wheaders[0] = t(lang, "assessment.worker");
    let workers = Table {
        name: t(lang, "assessment.sheet_workers").to_owned(),
        title: format!("{} {}", t(lang, "assessment.workers"), a.period),
        headers: wheaders,
        rows: a
            .workers
            .iter()
            .map(|w| {
                let community = a
                    .communities
                    .iter()
                    .find(|c| c.community_id == w.community_id)
                    .map(|c| c.community.clone())
                    .unwrap_or_default();
                let mut row: Vec<Cell> =
                    vec![w.name.clone().into(), community.into(), Cell::Num(w.score)];
                row.extend(comp_cells(&w.components));
                row
            })
            .collect(),
    };
    let body = to_xlsx(&[communities, workers])?;
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("assessment.export", "assessment", &a.period)
            .detail(format!("street {}", a.street_id)),
    )
    .await?;
    Ok(download(
        body,
        XLSX,
        &format!("assessment-{}.xlsx", a.period),
    ))
}
