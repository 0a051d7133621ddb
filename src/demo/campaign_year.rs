//! The street's side of the demo year: more work handed down without admission, and the
//! rollout campaign in its third phase.

use jiff::civil::Date;
use sqlx::Row;

use super::assessment_year::user;
use crate::platform::db::Tx;
use crate::platform::time;

/// More work handed down without admission: one for 十字街, four for 光明.
pub(super) async fn unadmitted(
    tx: &mut Tx,
    street: i64,
    communities: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    let reports: [(usize, &str, &str, &str); 5] = [
        (
            1,
            "区文明办",
            "要求社区每周上报创建文明城区台账",
            "2026-10-12",
        ),
        (
            2,
            "区文明办",
            "要求社区每周上报创建文明城区台账",
            "2026-10-12",
        ),
        (
            2,
            "区市场监管局",
            "要求社区逐户排查燃气灶具并拍照上传",
            "2026-10-20",
        ),
        (
            2,
            "街道综治办",
            "要求社区工作人员夜间轮流值守治安卡点",
            "2026-11-03",
        ),
        (
            2,
            "区统计局",
            "要求社区代为填报辖区企业统计报表",
            "2026-11-16",
        ),
    ];
    for (i, sender, description, received) in reports {
        let Some(c) = communities.get(i) else {
            continue;
        };
        sqlx::query("INSERT INTO unadmitted_tasks (street_id, community_id, sender, description, received_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(street)
            .bind(c)
            .bind(sender)
            .bind(description)
            .bind(received)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// (phase, title, due, done in each community, passed in each community).
type CampaignTask = (
    &'static str,
    &'static str,
    &'static str,
    [bool; 3],
    [bool; 3],
);

/// The rollout campaign, in its third phase (建章立制) at the end of November.
pub(super) async fn campaign(
    tx: &mut Tx,
    street: i64,
    communities: &[i64],
    now: &str,
) -> anyhow::Result<()> {
    let group: i64 = sqlx::query("SELECT id FROM bodies WHERE street_id = $1 AND kind = 'leading_group' AND parent_id IS NULL").bind(street).fetch_one(&mut **tx).await?.try_get("id")?;
    let part = |name: &'static str| {
        sqlx::query("SELECT id FROM bodies WHERE parent_id = $1 AND name = $2")
            .bind(group)
            .bind(name)
    };
    let office: i64 = part("领导小组办公室")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let inspection: i64 = part("领导小组督查组")
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    let street_user = user(tx, "street").await?;
    let id: i64 = sqlx::query("INSERT INTO campaigns (street_id, title, leading_group_id, office_id, inspection_id, created_by, created_at) VALUES ($1, '新华街道居民自治工作推进', $2, $3, $4, $5, $6) RETURNING id")
        .bind(street)
        .bind(group)
        .bind(office)
        .bind(inspection)
        .bind(street_user)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    for (phase, from, to) in [
        ("mobilize", "2026-09-01", "2026-09-30"),
        ("publicize", "2026-10-01", "2026-10-31"),
        ("structure", "2026-11-01", "2026-12-15"),
        ("launch", "2026-12-16", "2027-03-31"),
    ] {
        sqlx::query("INSERT INTO campaign_phases (campaign_id, phase, starts_on, ends_on) VALUES ($1, $2, $3, $4)").bind(id).bind(phase).bind(from).bind(to).execute(&mut **tx).await?;
    }
    // (phase, title, due, done in community i?, passed?)
    let tasks: [CampaignTask; 8] = [
        (
            "mobilize",
            "召开社区居民自治工作动员会",
            "2026-09-20",
            [true; 3],
            [true; 3],
        ),
        (
            "mobilize",
            "成立社区居民自治工作小组",
            "2026-09-30",
            [true; 3],
            [true, true, false],
        ),
        (
            "publicize",
            "入户发放居民自治宣传资料",
            "2026-10-20",
            [true; 3],
            [true, true, false],
        ),
        (
            "publicize",
            "在公示栏和居民微信群宣传自治章程草案",
            "2026-10-31",
            [true, true, false],
            [true, false, false],
        ),
        (
            "structure",
            "选举产生楼栋长和居民议事协调会",
            "2026-11-30",
            [true, true, false],
            [true, false, false],
        ),
        (
            "structure",
            "起草社区居民自治章程并征求意见",
            "2026-12-10",
            [true, false, false],
            [false; 3],
        ),
        (
            "structure",
            "建立居务公开栏和民情日志",
            "2026-12-15",
            [false; 3],
            [false; 3],
        ),
        (
            "launch",
            "居民代表大会表决通过自治章程",
            "2027-01-31",
            [false; 3],
            [false; 3],
        ),
    ];
    for (phase, title, due, done, passed) in tasks {
        for (i, c) in communities.iter().enumerate().take(3) {
            let done_on = done[i].then(|| date_before(due));
            sqlx::query(
                "INSERT INTO campaign_tasks (campaign_id, phase, community_id, title, due_on, done_on, done_note, inspected_on, inspection, inspected_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(id)
            .bind(phase)
            .bind(c)
            .bind(title)
            .bind(due)
            .bind(&done_on)
            .bind(done[i].then_some("已按要求完成，材料已报街道。"))
            .bind((passed[i] && done[i]).then(|| due.to_owned()))
            .bind((passed[i] && done[i]).then_some("passed"))
            .bind((passed[i] && done[i]).then_some(street_user))
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A few days before the due date, or today if that is earlier.
fn date_before(due: &str) -> String {
    let d: Date = due.parse().unwrap_or_else(|_| time::today());
    let d = d.saturating_sub(jiff::Span::new().days(4));
    d.min(time::today()).to_string()
}
