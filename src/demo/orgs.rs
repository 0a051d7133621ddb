//! The demo's stationed units, social organizations with members, volunteers and party
//! organization.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use super::names;
use super::people::pick;
use crate::platform::db::Tx;
use crate::platform::time;

const UNITS: &[(&str, &str, i64)] = &[
    ("新城区第二小学", "学校", 86),
    ("市第一医院社区卫生服务站", "医院", 24),
    ("新华街派出所三角线警务室", "机关", 6),
    ("万家福超市", "商户", 18),
    ("内蒙古电力公司营业厅", "企业", 30),
];

const ORGS: &[(&str, &str, &str)] = &[
    ("夕阳红舞蹈队", "文体", "每周二、四晚广场舞，节日演出"),
    (
        "邻里守望志愿服务队",
        "志愿服务",
        "楼道清扫、独居老人探访、夜间巡逻",
    ),
    (
        "计划生育协会",
        "协会",
        "宣传优生优育政策，参与计划生育民主管理与监督",
    ),
];

/// Stationed units, social organizations with members, volunteers and the party organization.
pub async fn organizations(
    tx: &mut Tx,
    rng: &mut ChaCha8Rng,
    community: i64,
    cname: &str,
) -> anyhow::Result<()> {
    let now = time::now_db();
    for (name, kind, employees) in UNITS {
        let phone = format!(
            "{}{:08}",
            pick(rng, names::MOBILE_PREFIXES),
            rng.random_range(0..100_000_000u32)
        );
        let contact = format!(
            "{}{}",
            pick(rng, names::SURNAMES),
            pick(rng, names::FEMALE_CHARS)
        );
        sqlx::query(
            "INSERT INTO social_units (community_id, name, kind, address, contact_name, contact_phone, employees, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $8)",
        )
        .bind(community)
        .bind(*name)
        .bind(*kind)
        .bind(format!("{cname}辖区"))
        .bind(contact)
        .bind(phone)
        .bind(*employees)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    }
    let adults: Vec<i64> = sqlx::query("SELECT id FROM residents WHERE community_id = $1 AND birth_date < '2004-01-01' ORDER BY id")
        .bind(community)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let mut next = 0usize;
    let mut take = |n: usize| {
        let out: Vec<i64> = adults
            .iter()
            .cycle()
            .skip(next * 7 + 3)
            .step_by(7)
            .take(n)
            .copied()
            .collect();
        next += n;
        out
    };
    for (name, kind, activities) in ORGS {
        let members = take(rng.random_range(8..=15));
        let org: i64 = sqlx::query(
            "INSERT INTO social_orgs (community_id, name, kind, founded_on, leader_resident_id, activities, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(community)
        .bind(*name)
        .bind(*kind)
        .bind(format!("{}-0{}-15", rng.random_range(2008..=2022), rng.random_range(1..=9)))
        .bind(members[0])
        .bind(*activities)
        .bind(&now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        for (i, m) in members.iter().enumerate() {
            let position = if i == 0 {
                "president"
            } else if i == 1 {
                "secretary"
            } else {
                "member"
            };
            sqlx::query("INSERT INTO social_org_members (org_id, resident_id, position, joined_on) VALUES ($1, $2, $3, $4)")
                .bind(org)
                .bind(*m)
                .bind(position)
                .bind(format!("{}-0{}-01", rng.random_range(2015..=2025), rng.random_range(1..=9)))
                .execute(&mut **tx)
                .await?;
        }
    }
    for v in take(20) {
        sqlx::query("INSERT INTO volunteers (community_id, resident_id, skills, hours, since) VALUES ($1, $2, $3, $4, $5)")
            .bind(community)
            .bind(v)
            .bind(*pick(rng, &["理发", "维修", "医疗护理", "法律咨询", "文艺", "陪护"]))
            .bind(rng.random_range(4..=300i64))
            .bind(format!("{}-0{}-01", rng.random_range(2016..=2025), rng.random_range(1..=9)))
            .execute(&mut **tx)
            .await?;
    }
    let party: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM residents WHERE community_id = $1 AND political_status IN ('party_member', 'probationary_member')",
    )
    .bind(community)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    // The third community's members passed the rule's line since its organization was
    // registered: it still stands in the other form, and M3's flag shows it.
    let form = match (
        crate::registry::rules::party_form(party),
        community % 3 == 0,
    ) {
        ("general_branch", true) => "branch",
        ("branch", true) => "general_branch",
        (f, _) => f,
    };
    let label = if form == "general_branch" {
        "党总支"
    } else {
        "党支部"
    };
    sqlx::query("INSERT INTO party_orgs (community_id, name, form, secretary_resident_id, created_at) VALUES ($1, $2, $3, NULL, $4)")
        .bind(community)
        .bind(format!("中共{cname}{label}"))
        .bind(form)
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
