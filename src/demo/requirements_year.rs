//! The work requirements of the demo year (M23/M24): community types, the street's targets by
//! type for the 五个抓好 goals, the demo community's progress, and the channels each community
//! used to publicize the campaign.

use sqlx::Row;

use crate::platform::db::Tx;

/// The work requirements of the demo year (M23/M24): each community's type, the street's
/// targets for the 五个抓好 goals by type, the demo community's progress, and the channels each
/// community used to publicize the campaign — the third has not held its assembly or sent its
/// open letter, so both show as missing.
pub(super) async fn load(
    tx: &mut Tx,
    street: i64,
    communities: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    use crate::campaigns::requirements::{CommunityType, Goal};
    let officer: i64 = super::assessment_year::user(tx, "street").await?;
    let worker: i64 = super::assessment_year::user(tx, "worker").await?;
    let types = ["old_town", "new_estate", "mixed", "urban_village"];
    for (i, c) in communities.iter().enumerate() {
        sqlx::query("UPDATE communities SET community_type = $1 WHERE id = $2")
            .bind(types[i % types.len()])
            .bind(c)
            .execute(&mut **tx)
            .await?;
    }
    for kind in CommunityType::ALL {
        for goal in Goal::ALL {
            let target = match (kind, goal) {
                (CommunityType::OldTown, Goal::Facilities) => "完成 3 个老旧小区楼道照明和下水改造",
                (CommunityType::NewEstate, Goal::SelfGovernance) => "成立业主委员会，楼栋长全覆盖",
                (_, Goal::SelfGovernance) => "楼栋长全覆盖，议事协调会每月开会",
                (_, Goal::Services) => "一口受理，诉求按时答复率 90% 以上",
                (_, Goal::Culture) => "每季度至少一次社区文化活动，与驻社区单位联办",
                (_, Goal::Facilities) => "社区服务站和议事厅达标",
                (_, Goal::SocialSecurity) => "困难家庭帮扶计划全覆盖，低保动态管理",
            };
            sqlx::query(
                "INSERT INTO guidance_targets (street_id, year, community_type, goal, target, set_by, updated_at) VALUES ($1, 2026, $2, $3, $4, $5, $6)",
            )
            .bind(street)
            .bind(*kind)
            .bind(*goal)
            .bind(target)
            .bind(officer)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    for (goal, status, note) in [
        (
            "self_governance",
            "achieved",
            "36 个楼栋都已选出楼栋长；议事协调会每月开会",
        ),
        (
            "services",
            "in_progress",
            "一口受理窗口已设，按时答复率 87%",
        ),
        ("facilities", "planned", ""),
    ] {
        sqlx::query(
            "INSERT INTO goal_progress (community_id, year, goal, status, note, updated_by, updated_at) VALUES ($1, 2026, $2, $3, $4, $5, $6)",
        )
        .bind(communities[0])
        .bind(goal)
        .bind(status)
        .bind(note)
        .bind(worker)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    let campaign: Option<i64> =
        sqlx::query("SELECT MIN(id) AS id FROM campaigns WHERE street_id = $1")
            .bind(street)
            .fetch_one(&mut **tx)
            .await?
            .try_get("id")?;
    let Some(campaign) = campaign else {
        return Ok(());
    };
    let starts: String =
        sqlx::query("SELECT MIN(starts_on) AS d FROM campaign_phases WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(&mut **tx)
            .await?
            .try_get("d")?;
    for (i, c) in communities.iter().enumerate() {
        let channels: &[&str] = if i == 2 {
            &["slogan", "banner", "bulletin_board"]
        } else {
            &[
                "slogan",
                "banner",
                "bulletin_board",
                "open_letter",
                "assembly",
            ]
        };
        for ch in channels {
            sqlx::query(
                "INSERT INTO campaign_publicity (campaign_id, community_id, channel, held_on, note, recorded_by, created_at) VALUES ($1, $2, $3, $4, '', $5, $6)",
            )
            .bind(campaign)
            .bind(c)
            .bind(*ch)
            .bind(&starts)
            .bind(worker)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
