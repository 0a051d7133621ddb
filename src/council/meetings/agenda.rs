//! The annual assembly's standing business (M8): every annual assembly (居民代表大会) hears the
//! committee's work report, adopts and amends the charter and agreements, reviews how the
//! agreements were kept, decides rewards and liabilities and, for family planning, the 优生、
//! 优待、优惠 measures. Scheduling an annual assembly puts each of them on its agenda, linked to
//! what it decides (the community's charter, the year's review list of agreements); its minutes
//! are published only once each of them carries its decision (rule R11). A community that has
//! not held one for a year is flagged for its head and the street (R12).

use sqlx::Row;

use crate::platform::db::Tx;
use crate::platform::error::AppError;

crate::workflow_state! {
    /// What an agenda item is: general business, or one of the annual assembly's standing items.
    pub enum AgendaKind {
        General = "general",
        WorkReport = "work_report",
        CharterAndAgreements = "charter_and_agreements",
        AgreementReview = "agreement_review",
        RewardsLiabilities = "rewards_liabilities",
        FamilyPlanning = "family_planning",
    }
}

/// The annual assembly's standing items, in the order of the day, with the seed's wording.
pub const ANNUAL: [(AgendaKind, &str); 5] = [
    (AgendaKind::WorkReport, "听取和审议社区居委会年度工作报告"),
    (
        AgendaKind::CharterAndAgreements,
        "制定、修改居民自治章程和协议",
    ),
    (AgendaKind::AgreementReview, "评议协议书履行情况"),
    (AgendaKind::RewardsLiabilities, "决定奖励和责任追究事项"),
    (
        AgendaKind::FamilyPlanning,
        "审议计划生育优生、优待、优惠措施",
    ),
];

/// The community's charter in force or under way, if it has one: what the charter item decides.
pub async fn charter_of(tx: &mut Tx, community: Option<i64>) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query(
        "SELECT MIN(id) AS id FROM rules WHERE community_id = $1 AND kind = 'charter' AND status <> 'repealed'",
    )
    .bind(community)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?)
}

/// R11: the first standing item of an annual assembly still without a decision, if any.
pub async fn undecided(tx: &mut Tx, meeting: i64) -> Result<Option<String>, AppError> {
    Ok(sqlx::query(
        "SELECT title FROM meeting_items WHERE meeting_id = $1 AND kind <> 'general' AND decision IS NULL ORDER BY seq LIMIT 1",
    )
    .bind(meeting)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| r.try_get("title"))
    .transpose()?)
}

/// R12: whether the community has held an annual assembly since `since` (a stored instant).
pub async fn assembly_held_since(
    pool: &crate::platform::reader::Reader,
    community: i64,
    since: &str,
) -> Result<bool, AppError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM meetings WHERE community_id = $1 AND kind = 'assembly_annual' \
         AND status IN ('held', 'minutes_published') AND starts_at >= $2",
    )
    .bind(community)
    .bind(since)
    .fetch_one(pool)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// R12: the street's communities (by name) that have held no annual assembly since `since`.
pub async fn communities_without_assembly(
    pool: &crate::platform::reader::Reader,
    street: i64,
    since: &str,
) -> Result<Vec<String>, AppError> {
    let rows = sqlx::query(
        "SELECT c.name FROM communities c WHERE c.street_id = $1 AND NOT EXISTS (SELECT 1 FROM meetings m \
         WHERE m.community_id = c.id AND m.kind = 'assembly_annual' AND m.status IN ('held', 'minutes_published') \
         AND m.starts_at >= $2) ORDER BY c.code",
    )
    .bind(street)
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| r.try_get("name"))
        .collect::<Result<_, _>>()
        .map_err(Into::into)
}
