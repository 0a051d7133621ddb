//! Family planning's ledgers (M17, M18): the payments of 独生子女优待 (one-child parents'
//! benefit), 奖励扶助 (reward support) and 计生困难户帮扶 (hardship aid, each under an aid plan of
//! the household), and the third of the four disclosures (四公开之三) drafted from their
//! totals. The notice carries the totals only, never a name (PIPL Art. 25); it may not say
//! other sums than the ledgers' (rule D7, checked when drafted and again when published), and
//! on publishing it each payment it reports is linked to it, so an aid plan shows the notice.

use crate::platform::conn::Conn;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::assessment::Period;
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Target};
use crate::disclosure::drafts::NoticeInput;
use crate::disclosure::notices::LineInput;
use crate::disclosure::{fen, yuan};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::date_or_today;
use crate::platform::time;

/// The category of the third disclosure.
pub const THIRD: &str = "fp_benefits";

crate::workflow_state! {
    /// The three ledgers.
    pub enum BenefitKind {
        OnlyChild = "only_child",
        RewardSupport = "reward_support",
        HardshipAid = "hardship_aid",
    }
}

impl BenefitKind {
    /// The line the third disclosure carries for this ledger (the notice is in Chinese).
    pub fn item(self) -> &'static str {
        match self {
            BenefitKind::OnlyChild => "独生子女父母奖励（优待）",
            BenefitKind::RewardSupport => "计划生育家庭奖励扶助金",
            BenefitKind::HardshipAid => "计生困难家庭帮扶",
        }
    }
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Payment {
    pub id: i64,
    pub kind: BenefitKind,
    pub household_id: i64,
    pub household: String,
    /// YYYY-MM-DD.
    pub paid_on: String,
    /// Yuan.
    pub amount: String,
    pub note: String,
    pub aid_plan_id: Option<i64>,
    /// The published third disclosure that reports it.
    pub disclosure_id: Option<i64>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Total {
    pub kind: BenefitKind,
    pub households: i64,
    /// Yuan.
    pub amount: String,
    #[serde(skip)]
    pub fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Ledger {
    pub community_id: i64,
    /// The quarter (2026-Q4) or other period shown.
    pub period: String,
    pub totals: Vec<Total>,
    pub items: Vec<Payment>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct PaymentInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    /// only_child, reward_support or hardship_aid.
    pub kind: String,
    pub household_id: i64,
    /// YYYY-MM-DD, not in the future; today when empty.
    #[serde(default)]
    pub paid_on: Option<String>,
    /// Yuan, more than zero.
    pub amount: String,
    #[serde(default)]
    pub note: String,
    /// Hardship aid: the household's active aid plan it is paid under.
    #[serde(default)]
    pub aid_plan_id: Option<i64>,
}

/// Each ledger's households and sum over the days `from`..=`to`.
pub async fn totals(
    conn: &mut Conn,
    community: i64,
    from: Date,
    to: Date,
) -> Result<Vec<Total>, AppError> {
    let mut out = Vec::new();
    for kind in BenefitKind::ALL {
        let r = sqlx::query(
            "SELECT COUNT(DISTINCT household_id) AS households, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS fen \
             FROM family_planning_benefits WHERE community_id = $1 AND kind = $2 AND paid_on >= $3 AND paid_on <= $4",
        )
        .bind(community)
        .bind(kind.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_one(&mut *conn)
        .await?;
        let fen: i64 = r.try_get("fen")?;
        out.push(Total {
            kind: *kind,
            households: r.try_get("households")?,
            amount: yuan(fen),
            fen,
        });
    }
    Ok(out)
}

/// D7: a third disclosure for `period` says, for each ledger, exactly the ledger's sum (an
/// expense line named by `BenefitKind::item`; none where nothing was paid).
pub async fn matches_ledgers(
    conn: &mut Conn,
    community: i64,
    period: &str,
    lines: &[(String, String, i64)],
) -> Result<(), AppError> {
    let p = Period::parse(period).map_err(|e| e.field("period"))?;
    for t in totals(conn, community, p.from, p.to).await? {
        let said: i64 = lines
            .iter()
            .filter(|(k, item, _)| k == "expense" && item == t.kind.item())
            .map(|l| l.2)
            .sum();
        if said != t.fen {
            return Err(AppError::invalid("lines", "daily.fp_ledger_mismatch")
                .arg("item", t.kind.item())
                .arg("lines", yuan(said))
                .arg("ledger", yuan(t.fen)));
        }
    }
    Ok(())
}

/// On publishing a third disclosure (inside its transaction): checks it against the ledgers
/// again (a payment recorded after drafting makes it stale) and links the payments it reports.
pub async fn on_publish(conn: &mut Conn, disclosure: i64) -> Result<(), AppError> {
    let r = sqlx::query("SELECT category, community_id, period FROM disclosures WHERE id = $1")
        .bind(disclosure)
        .fetch_one(&mut *conn)
        .await?;
    if r.try_get::<String, _>("category")? != THIRD {
        return Ok(());
    }
    let community: i64 = r.try_get("community_id")?;
    let period: String = r
        .try_get::<Option<String>, _>("period")?
        .unwrap_or_default();
    let lines = sqlx::query(
        "SELECT kind, item, amount FROM disclosure_lines WHERE disclosure_id = $1 ORDER BY seq",
    )
    .bind(disclosure)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|l| Ok((l.try_get("kind")?, l.try_get("item")?, l.try_get("amount")?)))
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    matches_ledgers(conn, community, &period, &lines).await?;
    let p = Period::parse(&period)?;
    sqlx::query(
        "UPDATE family_planning_benefits SET disclosure_id = $1 WHERE community_id = $2 AND paid_on >= $3 AND paid_on <= $4",
    )
    .bind(disclosure)
    .bind(community)
    .bind(p.from.to_string())
    .bind(p.to.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The ledgers of the caller's community for a period: totals and payments (a sensitive read:
/// who receives what says something of a family).
pub async fn ledger(state: &AppState, ctx: &Ctx, period: &Period) -> Result<Ledger, AppError> {
    let place = super::community_place(state, ctx, Action::AidManage, None).await?;
    ctx.require(Action::AidManage, Target::At(place))?;
    let community = place.community_id.unwrap_or_default();
    let mut conn = state.db.read().acquire().await?;
    let totals = totals(&mut conn, community, period.from, period.to).await?;
    let rows = sqlx::query(
        "SELECT b.id, b.kind, b.household_id, h.address, b.paid_on, b.amount, b.note, b.aid_plan_id, b.disclosure_id \
         FROM family_planning_benefits b JOIN households h ON h.id = b.household_id \
         WHERE b.community_id = $1 AND b.paid_on >= $2 AND b.paid_on <= $3 ORDER BY b.paid_on DESC, b.id DESC LIMIT 500",
    )
    .bind(community)
    .bind(period.from.to_string())
    .bind(period.to.to_string())
    .fetch_all(&mut conn)
    .await?;
    drop(conn);
    let items = rows
        .iter()
        .map(|r| {
            Ok(Payment {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                household_id: r.try_get("household_id")?,
                household: r.try_get("address")?,
                paid_on: r.try_get("paid_on")?,
                amount: yuan(r.try_get("amount")?),
                note: r.try_get("note")?,
                aid_plan_id: r.try_get("aid_plan_id")?,
                disclosure_id: r.try_get("disclosure_id")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    audit::sensitive_read(
        &state.db,
        &ctx.actor(),
        "family_planning.read",
        "community",
        community,
        format!("{} ({} payments)", period.label, items.len()),
    )
    .await?;
    Ok(Ledger {
        community_id: community,
        period: period.label.clone(),
        totals,
        items,
    })
}

/// D8: a payment enters a ledger for a household of the community, on a day not to come, of
/// more than nothing; hardship aid only under an active aid plan of that household, the
/// other two under none.
pub async fn record_payment(
    state: &AppState,
    ctx: &Ctx,
    i: &PaymentInput,
) -> Result<i64, AppError> {
    let place = super::community_place(state, ctx, Action::AidManage, i.community_id).await?;
    ctx.require(Action::AidManage, Target::At(place))?;
    let community = place.community_id.unwrap_or_default();
    let kind: BenefitKind = i
        .kind
        .parse()
        .map_err(|_| AppError::invalid("kind", "daily.fp_bad_kind"))?;
    let paid_on = date_or_today("paid_on", i.paid_on.as_deref())?;
    let amount = fen(&i.amount)
        .filter(|a| *a > 0)
        .ok_or_else(|| AppError::invalid("amount", "input.bad_amount"))?;
    let note = i.note.trim();
    if note.chars().count() > 200 {
        return Err(AppError::invalid("note", "input.bad_text").arg("max", 200));
    }
    if crate::platform::pii::first_position(note).is_some() {
        return Err(AppError::invalid("note", "daily.fp_number_in_note"));
    }
    let mut tx = state.db.begin().await?;
    let here: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM households WHERE id = $1 AND community_id = $2")
            .bind(i.household_id)
            .bind(community)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
    if here == 0 {
        return Err(AppError::invalid("household_id", "daily.pick_household"));
    }
    match (kind, i.aid_plan_id) {
        (BenefitKind::HardshipAid, Some(plan)) => {
            let active: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM aid_plans WHERE id = $1 AND household_id = $2 AND community_id = $3 AND status = 'active'",
            )
            .bind(plan)
            .bind(i.household_id)
            .bind(community)
            .fetch_one(&mut *tx)
            .await?
            .try_get("n")?;
            if active == 0 {
                return Err(AppError::invalid(
                    "aid_plan_id",
                    "daily.fp_plan_of_household",
                ));
            }
        }
        (BenefitKind::HardshipAid, None) => {
            return Err(AppError::invalid("aid_plan_id", "daily.fp_plan_needed"));
        }
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "aid_plan_id",
                "daily.fp_plan_only_hardship",
            ));
        }
        (_, None) => {}
    }
    let id: i64 = sqlx::query(
        "INSERT INTO family_planning_benefits (community_id, kind, household_id, paid_on, amount, note, aid_plan_id, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(community)
    .bind(kind)
    .bind(i.household_id)
    .bind(paid_on.to_string())
    .bind(amount)
    .bind(note)
    .bind(i.aid_plan_id)
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("family_planning.pay", "family_planning_benefit", id)
            .at(place)
            .sensitive()
            .detail(format!("{kind} {}", yuan(amount))),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Drafts the third disclosure of a quarter from the ledgers' totals: one line per ledger
/// that paid anything, households counted, nobody named. Returns the draft's id.
pub async fn draft_third(state: &AppState, ctx: &Ctx, quarter: &str) -> Result<i64, AppError> {
    let place = super::community_place(state, ctx, Action::DisclosuresManage, None).await?;
    ctx.require(Action::DisclosuresManage, Target::At(place))?;
    let community = place.community_id.unwrap_or_default();
    let p = Period::parse(quarter)
        .ok()
        .filter(|p| p.label.contains("-Q"))
        .ok_or_else(|| {
            AppError::invalid("period", "daily.fp_bad_quarter").arg("period", quarter)
        })?;
    let mut conn = state.db.read().acquire().await?;
    let totals = totals(&mut conn, community, p.from, p.to).await?;
    drop(conn);
    let paid: Vec<&Total> = totals.iter().filter(|t| t.fen > 0).collect();
    if paid.is_empty() {
        return Err(AppError::invalid("period", "daily.fp_nothing_paid").arg("period", &p.label));
    }
    let template = crate::disclosure::category(state, community, THIRD, ctx.lang)
        .await?
        .map(|c| c.template)
        .unwrap_or_default();
    let mut body = template;
    body.push_str("\n\n");
    for t in &paid {
        body.push_str(&format!(
            "{}：{} 户，合计 {} 元。\n",
            t.kind.item(),
            t.households,
            t.amount
        ));
    }
    let expense: i64 = paid.iter().map(|t| t.fen).sum();
    let (year, q) = (p.from.year(), (p.from.month() - 1) / 3 + 1);
    let n = NoticeInput {
        community_id: community,
        category: THIRD.to_owned(),
        title: format!("{year}年第{q}季度计划生育“四公开”之三：优待、奖励和帮扶情况"),
        body,
        channel: "both".to_owned(),
        period: Some(p.label.clone()),
        publicity_days: 5,
        income_total: Some("0".to_owned()),
        expense_total: Some(yuan(expense)),
        lines: paid
            .iter()
            .map(|t| LineInput {
                kind: "expense".to_owned(),
                item: t.kind.item().to_owned(),
                amount: t.amount.clone(),
            })
            .collect(),
        corrects_id: None,
    };
    crate::disclosure::drafts::save_draft(state, ctx, None, &n).await
}
