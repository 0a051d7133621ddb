//! The demo street, generated deterministically from a seed: three communities of a street in
//! Hohhot, their compounds, buildings, units and households, more than a thousand residents per
//! community with checksum-valid (fake) ID numbers, and one account per role.

mod accounts;
mod appraisal_year;
mod assessment_year;
mod bodies;
mod campaign_year;
mod community_year;
mod council_year;
mod daily_year;
mod names;
mod orgs;
mod participation_year;
mod people;
mod places;
mod public_year;
mod requirements_year;
mod scale;
mod street_year;
mod work_year;

use std::collections::HashSet;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use crate::audit::{self, Actor, Entry};
use crate::platform::db::Db;
use crate::platform::time;

pub const DEMO_PASSWORD: &str = "zizhi-demo";
pub const DEMO_OPEN311_KEY: &str = "demo-open311-key";
pub const DEFAULT_SEED: u64 = 2026;

/// Area code of 呼和浩特市新城区, the demo street's district.
pub(crate) const AREA: &str = "150102";

/// How big a street the demo makes: the demo street (3 communities, about 5,000 residents), or a
/// street at full scale for the benchmark (10 communities, about 100,000 residents in 40,000
/// households, 200,000 cases over two years).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Demo,
    Street,
}

impl Scale {
    /// Communities, and buildings in each of a community's four compounds.
    fn shape(self) -> (usize, [usize; 4]) {
        match self {
            Scale::Demo => (3, [7, 5, 5, 5]),
            Scale::Street => (10, [34, 31, 31, 31]),
        }
    }
}

/// Cases the street-scale data set holds in all.
pub const STREET_CASES: i64 = 200_000;

const COMMUNITIES: &[(&str, &[&str])] = &[
    (
        "三角线社区",
        &["三角线小区", "幸福院", "锦绣苑", "阳光新城"],
    ),
    (
        "十字街社区",
        &["十字街小区", "和平里", "东风院", "新华家园"],
    ),
    ("光明社区", &["光明小区", "团结院", "丽景苑", "康乐园"]),
    ("新华社区", &["新华小区", "友谊院", "翠园", "福寿里"]),
    ("东风社区", &["东风小区", "红旗院", "金桥苑", "安居园"]),
    (
        "海拉尔路社区",
        &["海拉尔小区", "草原院", "松林苑", "和谐家园"],
    ),
    ("北垣社区", &["北垣小区", "育才院", "春晖苑", "怡和园"]),
    ("兴安社区", &["兴安小区", "铁路院", "天骄苑", "祥和里"]),
    (
        "成吉思汗社区",
        &["成吉思汗小区", "盛世院", "汇豪苑", "万和园"],
    ),
    ("迎新社区", &["迎新小区", "前进院", "景观苑", "吉祥园"]),
];

/// The accounts the demo creates: (user name, display name, role, scope kind).
pub const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("sysadmin", "系统管理员", "sysadmin"),
    ("auditor", "审计管理员", "auditor"),
    ("street", "街道干部 赵建国", "street_officer"),
    ("head", "社区书记 王秀英", "community_head"),
    ("worker", "社区工作者 李娜", "community_worker"),
    ("council", "议事协调会成员 张伟", "council_member"),
    ("supervisor", "监事会成员 刘芳", "supervisor"),
    ("leader", "楼栋长", "building_leader"),
    ("resident", "居民", "resident"),
];

/// What the demo made.
#[derive(Debug)]
pub struct Summary {
    pub communities: usize,
    pub buildings: usize,
    pub households: usize,
    pub residents: usize,
}

/// Whether the database already holds places (the demo only loads into an empty one).
pub async fn is_loaded(db: &Db) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM streets")
        .fetch_one(db.read())
        .await?
        .try_get("n")?;
    Ok(n > 0)
}

/// Loads the demo street into an empty database, in one transaction.
/// The whole demo street, as `zizhi serve --demo` shows it.
pub async fn load(db: &Db, seed: u64) -> anyhow::Result<Summary> {
    load_extent(db, seed, true, Scale::Demo).await
}

/// The demo street at the given scale, history included.
pub async fn load_scaled(db: &Db, seed: u64, scale: Scale) -> anyhow::Result<Summary> {
    load_extent(db, seed, true, scale).await
}

/// The demo without the street's year of cases and assessment history (`assessment_year`):
/// the quiet baseline most tests start from, where every case is one the test filed.
pub async fn load_core(db: &Db, seed: u64) -> anyhow::Result<Summary> {
    load_extent(db, seed, false, Scale::Demo).await
}

async fn load_extent(db: &Db, seed: u64, history: bool, scale: Scale) -> anyhow::Result<Summary> {
    let (how_many, buildings) = scale.shape();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = HashSet::new();
    let now = time::now_db();
    let mut tx = db.begin().await?;
    let street_id: i64 = sqlx::query("INSERT INTO streets (code, name, district, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind("150102001")
        .bind("新华街道")
        .bind("内蒙古自治区呼和浩特市新城区")
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
    let mut summary = Summary {
        communities: 0,
        buildings: 0,
        households: 0,
        residents: 0,
    };
    let mut communities = Vec::new();
    for (ci, (name, compounds)) in COMMUNITIES.iter().take(how_many).enumerate() {
        let made = places::community(
            &mut tx, &mut rng, &now, street_id, ci, name, compounds, &buildings,
        )
        .await?;
        // Community 1 has more party members than a branch may hold (M3).
        let party_share = if ci == 0 { 0.09 } else { 0.03 };
        summary.residents +=
            people::residents(&mut tx, &mut rng, &mut seen, &now, made.id, party_share).await?;
        summary.communities += 1;
        summary.buildings += made.buildings.len();
        summary.households += made.households;
        communities.push(made);
    }
    for (ci, c) in communities.iter().enumerate() {
        orgs::organizations(&mut tx, &mut rng, c.id, COMMUNITIES[ci].0).await?;
    }
    accounts::accounts(
        &mut tx,
        street_id,
        communities[0].id,
        communities[0].buildings[0],
        &now,
    )
    .await?;
    let leader: i64 = sqlx::query("SELECT resident_id FROM users WHERE username = 'leader'")
        .fetch_one(&mut *tx)
        .await?
        .try_get("resident_id")?;
    bodies::load(
        &mut tx,
        street_id,
        communities[0].id,
        &communities[0].buildings,
        leader,
        &now,
    )
    .await?;
    let rules = public_year::rules(&mut tx, street_id, communities[0].id, &now).await?;
    council_year::load(
        &mut tx,
        street_id,
        communities[0].id,
        communities[0].buildings[0],
        &rules,
        &now,
    )
    .await?;
    public_year::disclosures(&mut tx, street_id, communities[0].id, &now).await?;
    daily_year::load(
        &mut tx,
        street_id,
        communities[0].id,
        &communities[0].buildings,
        &now,
    )
    .await?;
    participation_year::policy_documents(
        &mut tx,
        communities[0].id,
        communities[0].buildings[0],
        &now,
    )
    .await?;
    let community_ids: Vec<i64> = communities.iter().map(|c| c.id).collect();
    street_year::load(&mut tx, street_id, &community_ids, &now).await?;
    if history {
        assessment_year::load(&mut tx, &mut rng, street_id, &community_ids, &now).await?;
        participation_year::association_year(&mut tx, communities[0].id, &now).await?;
        participation_year::reception_week(&mut tx, communities[0].id, &now).await?;
        participation_year::worker_reviews(&mut tx, &community_ids, &now).await?;
        participation_year::family_planning(&mut tx, communities[0].id, &now).await?;
        requirements_year::load(&mut tx, street_id, &community_ids, &now).await?;
        work_year::load(&mut tx, street_id, communities[0].id, &now).await?;
        people::erasure_requests(&mut tx, &community_ids, &now).await?;
    }
    if scale == Scale::Street {
        scale::cases(&mut tx, &mut rng, &community_ids, STREET_CASES).await?;
    }
    audit::record(
        &mut tx,
        &Actor::operator(),
        Entry::new("demo.load", "street", street_id).detail(format!(
            "seed {seed}: {} communities, {} buildings, {} households, {} residents",
            summary.communities, summary.buildings, summary.households, summary.residents
        )),
    )
    .await?;
    tx.commit().await?;
    db.analyze(crate::registry::residents::BULK_TABLES).await?;
    Ok(summary)
}
