//! The demo community's public record for 2026: the charter (adopted by the assembly in March,
//! amended in September), three conventions adopted by the council, and a year of disclosures —
//! monthly finance with July late and an objection to October's, quarterly major matters and
//! family-planning notices, policies, and aid-recipient lists (the spring one expired).

use sqlx::Row;

use crate::disclosure::chain;
use crate::platform::calendar::Calendar;
use crate::platform::db::Tx;
use crate::platform::time;

pub struct RuleIds {
    pub charter: i64,
    pub parking: i64,
    pub environment: i64,
    pub dogs: i64,
}

const CHARTER: [&str; 6] = [
    "第一条 为保障居民依法自治，根据《中华人民共和国城市居民委员会组织法》，结合本社区实际，制定本章程。",
    "第二条 居民代表大会是社区居民自治的决策机构，每年至少召开一次。",
    "第三条 居民议事协调会由楼栋长和社区干部组成，每月至少召开一次，协商社区公共事务。",
    "第四条 社区居务、财务按月公开，接受居民和监事会监督。",
    "第五条 社区干部和居民同等遵守本章程。",
    "第六条 本章程经居民代表大会三分之二以上代表通过后施行。",
];

#[allow(clippy::too_many_arguments)]
async fn rule(
    tx: &mut Tx,
    street: i64,
    community: i64,
    kind: &str,
    subject: Option<&str>,
    title: &str,
    articles: &[&str],
    now: &str,
) -> anyhow::Result<i64> {
    // A convention's matter is its title's, without the community and 公约: 停车管理, 楼道环境卫生…
    let matter = subject.map(|_| {
        title
            .trim_start_matches("三角线社区")
            .trim_end_matches("公约")
            .to_owned()
    });
    let key = matter.as_deref().map(crate::rules::draft::matter_key);
    let id: i64 = sqlx::query("INSERT INTO rules (street_id, community_id, kind, subject, matter, matter_key, title, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'vote', $8) RETURNING id")
        .bind(street)
        .bind(community)
        .bind(kind)
        .bind(subject)
        .bind(matter.as_deref())
        .bind(key.as_deref())
        .bind(title)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
    version(tx, id, 1, articles, "").await?;
    Ok(id)
}

/// A version through comment and legal review, ready for the vote.
async fn version(
    tx: &mut Tx,
    rule: i64,
    n: i64,
    articles: &[&str],
    note: &str,
) -> anyhow::Result<()> {
    let reviewer: String = sqlx::query("SELECT display_name FROM users WHERE username = 'street'")
        .fetch_one(&mut **tx)
        .await?
        .try_get("display_name")?;
    sqlx::query(
        "INSERT INTO rule_versions (rule_id, version, articles, note, reviewer, reviewed_at, review_checks, review_note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $6)",
    )
    .bind(rule)
    .bind(n)
    .bind(serde_json::to_string(articles)?)
    .bind(note)
    .bind(reviewer)
    .bind(time::now_db())
    .bind(r#"{"no_conflict_with_law":true,"respects_rights":true,"binds_officials":true}"#)
    .bind("经审查，未发现与法律法规相抵触的内容。")
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE rules SET status = 'vote' WHERE id = $1")
        .bind(rule)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn rules(tx: &mut Tx, street: i64, community: i64, now: &str) -> anyhow::Result<RuleIds> {
    Ok(RuleIds {
        charter: rule(
            tx,
            street,
            community,
            "charter",
            None,
            "三角线社区居民自治章程",
            &CHARTER[..5],
            now,
        )
        .await?,
        parking: rule(
            tx,
            street,
            community,
            "convention",
            Some("parking"),
            "三角线社区停车管理公约",
            &[
                "第一条 车辆在划定车位内停放，不占用消防通道和盲道。",
                "第二条 外来车辆由门岗登记，夜间二十二时后不得鸣笛。",
                "第三条 违规停车的，楼栋长先行劝导，劝导不听的报议事协调会协商处理。",
            ],
            now,
        )
        .await?,
        environment: rule(
            tx,
            street,
            community,
            "convention",
            Some("environment"),
            "三角线社区环境卫生公约",
            &[
                "第一条 楼道内不堆放杂物，保持消防通道畅通。",
                "第二条 垃圾分类投放，不高空抛物。",
                "第三条 每季度组织一次楼道大扫除，由楼栋长牵头。",
            ],
            now,
        )
        .await?,
        dogs: rule(
            tx,
            street,
            community,
            "convention",
            Some("dogs"),
            "三角线社区文明养犬公约",
            &[
                "第一条 犬只依法登记、按时免疫。",
                "第二条 出户遛犬须束犬链，及时清理犬只粪便。",
                "第三条 烈性犬不得在本社区饲养。",
            ],
            now,
        )
        .await?,
    })
}

/// The charter's September amendment: a sixth article and a monthly-disclosure rule made
/// stricter.
pub async fn amend_charter(tx: &mut Tx, charter: i64) -> anyhow::Result<()> {
    let mut articles = CHARTER.to_vec();
    articles[3] = "第四条 社区居务、财务按月公开，于次月十个工作日内在网上和公示栏同时公开，接受居民和监事会监督。";
    version(tx, charter, 2, &articles, "明确公开时限；增加施行条款").await
}

/// The motion adopted the rule's latest version: publish it into the chain.
pub async fn adopt(tx: &mut Tx, rule: i64, motion: i64, at: &str) -> anyhow::Result<()> {
    let v = sqlx::query(
        "SELECT id, version FROM rule_versions WHERE rule_id = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(rule)
    .fetch_one(&mut **tx)
    .await?;
    let (vid, n): (i64, i64) = (v.try_get("id")?, v.try_get("version")?);
    sqlx::query(
        "UPDATE rule_versions SET motion_id = $1, adopted_at = $2, published_at = $2 WHERE id = $3",
    )
    .bind(motion)
    .bind(at)
    .bind(vid)
    .execute(&mut **tx)
    .await?;
    let content = crate::rules::content::version(tx, vid)
        .await?
        .unwrap_or_default();
    let hash = chain::sha256_hex(content.as_bytes());
    sqlx::query("UPDATE rule_versions SET content_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(vid)
        .execute(&mut **tx)
        .await?;
    chain::append(tx, "rule_version", vid, &hash).await?;
    sqlx::query("UPDATE rules SET status = $1, in_force_version = $2 WHERE id = $3")
        .bind(if n > 1 { "amended" } else { "published" })
        .bind(n)
        .bind(rule)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(super) struct Draft<'a> {
    pub(super) category: &'a str,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) period: Option<String>,
    pub(super) published: jiff::civil::Date,
    pub(super) lines: Vec<(&'a str, &'a str, i64)>,
}

pub(super) async fn publish(
    tx: &mut Tx,
    street: i64,
    community: i64,
    author: (i64, &str),
    d: &Draft<'_>,
    now: &str,
) -> anyhow::Result<i64> {
    let cal = Calendar::builtin();
    let until = cal.add_working_days(d.published, 4);
    let sum = |k: &str| {
        d.lines
            .iter()
            .filter(|l| l.0 == k)
            .map(|l| l.2)
            .sum::<i64>()
    };
    let finance = !d.lines.is_empty();
    let id: i64 = sqlx::query(
        "INSERT INTO disclosures (street_id, community_id, category, title, body, channel, period, publicity_days, income_total, expense_total, \
         status, author_id, author, publish_date, publicity_until, published_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'both', $6, 5, $7, $8, 'published', $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(street)
    .bind(community)
    .bind(d.category)
    .bind(&d.title)
    .bind(&d.body)
    .bind(&d.period)
    .bind(finance.then(|| sum("income")))
    .bind(finance.then(|| sum("expense")))
    .bind(author.0)
    .bind(author.1)
    .bind(d.published.to_string())
    .bind(until.to_string())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    for (seq, (kind, item, amount)) in d.lines.iter().enumerate() {
        sqlx::query("INSERT INTO disclosure_lines (disclosure_id, seq, kind, item, amount) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(seq as i64 + 1)
            .bind(*kind)
            .bind(*item)
            .bind(*amount)
            .execute(&mut **tx)
            .await?;
    }
    let content = crate::disclosure::content::disclosure(tx, id)
        .await?
        .unwrap_or_default();
    let hash = chain::sha256_hex(content.as_bytes());
    sqlx::query("UPDATE disclosures SET content_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    chain::append(tx, "disclosure", id, &hash).await?;
    Ok(id)
}

pub async fn disclosures(
    tx: &mut Tx,
    street: i64,
    community: i64,
    now: &str,
) -> anyhow::Result<()> {
    let cal = Calendar::builtin();
    let today = time::today();
    let worker = sqlx::query("SELECT id, display_name FROM users WHERE username = 'worker'")
        .fetch_one(&mut **tx)
        .await?;
    let author: (i64, String) = (worker.try_get("id")?, worker.try_get("display_name")?);
    let by = (author.0, author.1.as_str());
    let mut october = None;
    for m in 1..=10i8 {
        let end = jiff::civil::date(2026, m, 1).last_of_month();
        // July's notice came out three weeks late.
        let published = if m == 7 {
            cal.add_working_days(end, 20)
        } else {
            cal.add_working_days(end, 5)
        };
        if published > today {
            continue;
        }
        let spent = 30_000 + i64::from(m) * 1_250;
        let d = Draft {
            category: "finance",
            title: format!("三角线社区 2026 年 {m} 月财务收支公开"),
            body: format!(
                "现将本社区 2026 年 {m} 月财务收支情况公开如下，请居民监督。如有疑问，请在公示期内提出。"
            ),
            period: Some(format!("2026-{m:02}")),
            published,
            lines: vec![
                ("income", "上级拨付社区办公经费", 200_000),
                ("income", "社区服务收入", 35_000 + i64::from(m) * 500),
                ("expense", "楼道照明维修", spent),
                ("expense", "办公用品", 12_000),
                ("expense", "居民活动经费", 80_000),
            ],
        };
        let id = publish(tx, street, community, by, &d, now).await?;
        if m == 10 {
            october = Some(id);
        }
    }
    for q in 1..=3i8 {
        let end = jiff::civil::date(2026, q * 3, 1).last_of_month();
        let published = cal.add_working_days(end, 6);
        for (category, title, body) in [
            (
                "major_matters",
                format!("2026 年第 {q} 季度居务公开"),
                "本季度议事协调会议定事项、社区重大事项及办理结果公开如下：楼道照明改造完成；停车秩序整治进入第二阶段。",
            ),
            (
                "fp_births",
                format!("2026 年第 {q} 季度计划生育“四公开”之二：生育服务和人口出生情况"),
                "一、本年度符合生育条件的夫妻：按楼栋公示，名单张贴于社区公开栏。二、生育服务证发放情况：本季度发放 4 份。三、人口出生情况：本季度出生 5 人（男 3 人，女 2 人）。如有异议，请在公示期内实名向居委会提出。",
            ),
        ] {
            let d = Draft {
                category,
                title,
                body: body.into(),
                period: Some(format!("2026-Q{q}")),
                published,
                lines: vec![],
            };
            publish(tx, street, community, by, &d, now).await?;
        }
    }
    for (title, published) in [
        (
            "《城市居民委员会组织法》学习要点",
            jiff::civil::date(2026, 2, 10),
        ),
        (
            "关于电动自行车安全管理的通知",
            jiff::civil::date(2026, 6, 15),
        ),
    ] {
        let d = Draft {
            category: "policies",
            title: title.into(),
            body: "现将有关政策法规公开，欢迎居民到社区党群服务中心查阅全文。".into(),
            period: None,
            published,
            lines: vec![],
        };
        publish(tx, street, community, by, &d, now).await?;
    }
    // Aid recipients are named during publicity, then taken down (410).
    let names: Vec<String> = sqlx::query("SELECT name FROM residents WHERE community_id = $1 AND status = 'living' ORDER BY id LIMIT 3 OFFSET 40")
        .bind(community)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("name"))
        .collect::<Result<_, _>>()?;
    for (title, published) in [
        (
            "2026 年春季临时救助对象公示",
            jiff::civil::date(2026, 4, 13),
        ),
        ("2026 年冬季困难家庭慰问对象公示", today),
    ] {
        let d = Draft {
            category: "aid_recipients",
            title: title.into(),
            body: format!(
                "经入户调查和居民代表评议，拟确定以下家庭为救助对象：{}。公示期内如有异议，请实名向社区反映。",
                names.join("、")
            ),
            period: None,
            published,
            lines: vec![],
        };
        publish(tx, street, community, by, &d, now).await?;
    }
    if let Some(id) = october {
        let resident = sqlx::query("SELECT u.id, r.name FROM users u JOIN residents r ON r.id = u.resident_id WHERE u.username = 'resident'")
            .fetch_one(&mut **tx)
            .await?;
        let handling = "本月维修 3 号、7 号、12 号楼楼道灯共 41 盏，票据可到社区查阅。";
        let oid: i64 = sqlx::query_scalar(
            "INSERT INTO disclosure_objections (disclosure_id, user_id, objector_name, body, outcome, handling, handled_by, handled_at, created_at) \
             VALUES ($1, $2, $3, $4, 'dismissed', $5, $6, $7, $7) RETURNING id",
        )
        .bind(id)
        .bind(resident.try_get::<i64, _>("id")?)
        .bind(resident.try_get::<String, _>("name")?)
        .bind("楼道照明维修费用比上月高，请说明是哪几栋楼。")
        .bind(handling)
        .bind(author.0)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        // Its handling is on record, as one handled on the page would be.
        crate::audit::record(
            tx,
            &crate::audit::Actor::operator(),
            crate::audit::Entry::new("disclosure.handle_objection", "disclosure", id).detail(
                crate::audit::integrity::objection_detail(oid, "dismissed", handling),
            ),
        )
        .await?;
    }
    Ok(())
}
