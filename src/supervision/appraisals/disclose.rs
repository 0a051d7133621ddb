//! Disclosing an appraisal's result (M10 with M18): by the supervisory board, as a notice.

use axum::http::StatusCode;

use super::{AppraisalStatus, load};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::disclosure::{drafts, notices};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::t;
use crate::platform::state;

/// Publish the result as a notice in the 民主评议结果 category: the tally as counted, not as
/// anyone would retype it. The supervisory board (or the street) publishes it, never a cadre
/// it appraises: `Action::AppraisalsManage`, and the caller is not among the subjects. The
/// notice, its publication and the appraisal's link to it are one transaction, and the link is
/// guarded, so concurrent requests publish one notice.
pub async fn disclose(state: &AppState, ctx: &Ctx, id: i64) -> Result<i64, AppError> {
    let a = load(state, id).await?;
    ctx.require(Action::AppraisalsManage, Target::At(a.place()))?;
    if ctx.user.as_ref().is_some_and(|u| a.appraises(u.id)) {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "appraisal.appraised_discloses",
        ));
    }
    if !a.is_closed() {
        return Err(AppError::conflict("appraisal.not_closed"));
    }
    if a.disclosure_id.is_some() {
        return Err(AppError::conflict("appraisal.disclosed"));
    }
    let lang = crate::platform::i18n::Lang::ZhCn;
    let mut body = format!(
        "{}\n{}：{}　{}：{}\n\n",
        a.title,
        t(lang, "appraisal.period"),
        a.period,
        t(lang, "appraisal.ballots_counted"),
        crate::platform::i18n::tf(
            lang,
            "appraisal.turnout",
            &[
                ("voted", a.ballots_counted.unwrap_or(0).to_string()),
                ("roll", a.roll.to_string()),
            ]
        )
    );
    for s in &a.subjects {
        body.push_str(&format!(
            "{} {}：满意 {}，基本满意 {}，不满意 {}；满意率 {:.1}%\n",
            s.post,
            s.name,
            s.satisfied.unwrap_or(0),
            s.basically.unwrap_or(0),
            s.unsatisfied.unwrap_or(0),
            s.rate.unwrap_or(0.0) * 100.0
        ));
    }
    body.push_str(&format!("\n{}", t(lang, "appraisal.recount")));
    let input = drafts::NoticeInput {
        community_id: a.community_id,
        category: "appraisal".into(),
        title: format!("{}结果公示", a.title),
        body,
        channel: "both".into(),
        period: None,
        publicity_days: 5,
        income_total: None,
        expense_total: None,
        lines: vec![],
        corrects_id: None,
    };
    let mut tx = state.db.begin().await?;
    let notice = drafts::draft_in(&mut tx, state, ctx, a.place(), &input).await?;
    // Claim the appraisal before publishing: a concurrent request waits here and then finds it
    // disclosed, adding nothing to the publication chain.
    let claimed = sqlx::query(
        "UPDATE appraisals SET disclosure_id = $1 WHERE id = $2 AND status = $3 AND disclosure_id IS NULL",
    )
    .bind(notice)
    .bind(id)
    .bind(AppraisalStatus::Closed)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    state::moved(claimed, "appraisal.disclosed")?;
    notices::publish_in(&mut tx, state, ctx, notice, input.publicity_days, a.place()).await?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("appraisal.disclose", "appraisal", id)
            .at(a.place())
            .detail(format!("notice {notice}")),
    )
    .await?;
    tx.commit().await?;
    Ok(notice)
}
