//! The demo street, generated deterministically from a seed: three communities of a street in
//! Hohhot, their compounds, buildings, units and households, more than a thousand residents per
//! community with checksum-valid (fake) ID numbers, and one account per role.

mod names;

use std::collections::HashSet;

use jiff::civil::Date;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Row;

use crate::audit::{self, Actor, Entry};
use crate::auth::{Role, Scope, store};
use crate::platform::db::{Db, Tx, Val, bulk_insert};
use crate::platform::time;
use crate::registry::id_number::IdNumber;

pub const DEMO_PASSWORD: &str = "zizhi-demo";
pub const DEMO_OPEN311_KEY: &str = "demo-open311-key";
pub const DEFAULT_SEED: u64 = 2026;

/// Area code of 呼和浩特市新城区, the demo street's district.
const AREA: &str = "150102";

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

struct Resident {
    name: String,
    id: IdNumber,
    phone: String,
    ethnicity: &'static str,
    political: &'static str,
    reps: [bool; 4],
    moved_in: Date,
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.random_range(0..xs.len())]
}

fn person(
    rng: &mut ChaCha8Rng,
    seen: &mut HashSet<String>,
    age_range: (i16, i16),
    party_share: f64,
) -> Resident {
    let male = rng.random_bool(0.5);
    let surname = pick(rng, names::SURNAMES);
    let chars = if male {
        names::MALE_CHARS
    } else {
        names::FEMALE_CHARS
    };
    let first = *pick(rng, chars);
    let given = if rng.random_bool(0.6) {
        let second = *pick(rng, chars);
        if second == first {
            first.to_owned()
        } else {
            format!("{first}{second}")
        }
    } else {
        first.to_owned()
    };
    let age = rng.random_range(age_range.0..=age_range.1);
    let birth = Date::new(
        2026 - age,
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    )
    .expect("valid date");
    let id = loop {
        let seq = rng.random_range(0..500u16) * 2 + u16::from(male);
        let id = IdNumber::compose(AREA, birth, seq);
        if seen.insert(id.as_str().to_owned()) {
            break id;
        }
    };
    let phone = if age >= 16 {
        format!(
            "{}{:08}",
            pick(rng, names::MOBILE_PREFIXES),
            rng.random_range(0..100_000_000u32)
        )
    } else {
        String::new()
    };
    let roll = rng.random_range(0..100u32);
    let mut acc = 0;
    let ethnicity = names::ETHNICITIES
        .iter()
        .find(|(_, w)| {
            acc += w;
            roll < acc
        })
        .map(|(e, _)| *e)
        .unwrap_or("汉族");
    let political = if age >= 18 && rng.random_bool(party_share) {
        "party_member"
    } else {
        "masses"
    };
    let adult = age >= 18;
    let reps = [
        adult && political == "party_member" && rng.random_bool(0.15),
        adult && rng.random_bool(0.004),
        adult && rng.random_bool(0.004),
        adult && rng.random_bool(0.03),
    ];
    let moved_in = Date::new(
        rng.random_range(1995..=2025),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    )
    .expect("valid");
    Resident {
        name: format!("{surname}{given}"),
        id,
        phone,
        ethnicity,
        political,
        reps,
        moved_in,
    }
}

/// Loads the demo street into an empty database, in one transaction.
pub async fn load(db: &Db, seed: u64) -> anyhow::Result<Summary> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = HashSet::new();
    let now = time::now_db();
    let mut tx = db.begin().await?;
    let street_id: i64 = sqlx::query(
        "INSERT INTO streets (code, name, district, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
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
    let mut community_ids = Vec::new();
    let mut first_building = None;
    for (ci, (cname, compounds)) in COMMUNITIES.iter().enumerate() {
        let cid: i64 = sqlx::query(
            "INSERT INTO communities (street_id, code, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(street_id)
        .bind(format!("150102001{:03}", ci + 1))
        .bind(*cname)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        community_ids.push(cid);
        summary.communities += 1;
        // Community 1 has more party members than a branch may hold (M3); its fourth compound
        // is new, past half occupancy, and in its custody (M2).
        let party_share = if ci == 0 { 0.09 } else { 0.03 };
        let mut households: Vec<Vec<Val>> = Vec::new();
        let mut building_no = 0;
        for (pi, pname) in compounds.iter().enumerate() {
            let custodial = ci == 0 && pi == 3;
            let pid: i64 = sqlx::query(
                "INSERT INTO compounds (community_id, name, custodial, has_committee, created_at) VALUES ($1, $2, $3, 0, $4) RETURNING id",
            )
            .bind(cid)
            .bind(*pname)
            .bind(i64::from(custodial))
            .bind(&now)
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let buildings_here = if pi == 0 { 7 } else { 5 };
            for _ in 0..buildings_here {
                building_no += 1;
                let units = rng.random_range(2..=3i64);
                let floors = if rng.random_bool(0.7) { 6 } else { 7 };
                let bid: i64 = sqlx::query(
                    "INSERT INTO buildings (community_id, compound_id, number, units, floors, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(cid)
                .bind(pid)
                .bind(format!("{building_no}号楼"))
                .bind(units)
                .bind(floors)
                .bind(&now)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
                first_building.get_or_insert(bid);
                summary.buildings += 1;
                for u in 1..=units {
                    let uid: i64 = sqlx::query(
                        "INSERT INTO units (building_id, number) VALUES ($1, $2) RETURNING id",
                    )
                    .bind(bid)
                    .bind(u)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    for floor in 1..=floors {
                        for door in 1..=2 {
                            let door_number = format!("{floor}0{door}");
                            let occupied = if custodial {
                                rng.random_bool(0.62)
                            } else {
                                rng.random_bool(0.93)
                            };
                            let tags = match rng.random_range(0..100) {
                                0..=2 => "in_difficulty",
                                3..=9 => "rented_out",
                                10 => "key_household",
                                _ => "",
                            };
                            households.push(vec![
                                Val::I(cid),
                                Val::I(bid),
                                Val::I(uid),
                                Val::T(door_number.clone()),
                                Val::T(format!(
                                    "{cname}{pname}{building_no}号楼{u}单元{door_number}室"
                                )),
                                Val::B(occupied),
                                Val::T(tags.into()),
                                Val::T(now.clone()),
                            ]);
                        }
                    }
                }
            }
        }
        summary.households += households.len();
        bulk_insert(
            &mut tx,
            "households",
            &[
                "community_id",
                "building_id",
                "unit_id",
                "door_number",
                "address",
                "occupied",
                "tags",
                "created_at",
            ],
            &households,
        )
        .await?;
        let rows = sqlx::query(
            "SELECT id, building_id, occupied FROM households WHERE community_id = $1 ORDER BY id",
        )
        .bind(cid)
        .fetch_all(&mut *tx)
        .await?;
        let mut residents: Vec<Vec<Val>> = Vec::new();
        for r in rows {
            if r.try_get::<i64, _>("occupied")? == 0 {
                continue;
            }
            let hid: i64 = r.try_get("id")?;
            let bid: i64 = r.try_get("building_id")?;
            let size = *pick(&mut rng, &[1usize, 2, 2, 3, 3, 3, 4, 5]);
            for m in 0..size {
                let ages = if m < 2 { (22, 88) } else { (0, 20) };
                let p = person(&mut rng, &mut seen, ages, party_share);
                let phone_last4 = p.phone.get(7..).unwrap_or("").to_owned();
                residents.push(vec![
                    Val::I(cid),
                    Val::I(bid),
                    Val::I(hid),
                    Val::T(p.name),
                    Val::T(p.id.gender().into()),
                    Val::T(p.id.birth_date().to_string()),
                    Val::T(p.id.as_str().into()),
                    Val::T(p.phone),
                    Val::T(p.ethnicity.into()),
                    Val::T(p.political.into()),
                    Val::B(p.reps[0]),
                    Val::B(p.reps[1]),
                    Val::B(p.reps[2]),
                    Val::B(p.reps[3]),
                    Val::T(p.moved_in.to_string()),
                    Val::T("living".into()),
                    Val::T(now.clone()),
                    Val::T(now.clone()),
                    Val::T(p.id.as_str()[14..].to_owned()),
                    Val::T(phone_last4),
                ]);
            }
        }
        summary.residents += residents.len();
        bulk_insert(
            &mut tx,
            "residents",
            &[
                "community_id",
                "building_id",
                "household_id",
                "name",
                "gender",
                "birth_date",
                "id_number",
                "phone",
                "ethnicity",
                "political_status",
                "rep_party",
                "rep_npc",
                "rep_cppcc",
                "rep_resident",
                "moved_in",
                "status",
                "created_at",
                "updated_at",
                "id_last4",
                "phone_last4",
            ],
            &residents,
        )
        .await?;
        crate::registry::residents::index_new_names(&mut tx, cid).await?;
    }
    for (ci, cid) in community_ids.iter().enumerate() {
        organizations(&mut tx, &mut rng, *cid, COMMUNITIES[ci].0).await?;
    }
    let building = first_building.expect("the demo has buildings");
    accounts(&mut tx, street_id, community_ids[0], building).await?;
    use sha2::Digest;
    let key_hash = hex::encode(sha2::Sha256::digest(DEMO_OPEN311_KEY.as_bytes()));
    sqlx::query(
        "INSERT INTO open311_keys (key_hash, community_id, label, rate_limit_per_minute, created_at) VALUES ($1, $2, $3, NULL, $4)",
    )
    .bind(key_hash)
    .bind(community_ids[0])
    .bind("演示集成 demo integration")
    .bind(&now)
    .execute(&mut *tx)
    .await?;
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
async fn organizations(
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
    let form = crate::registry::rules::party_form(party);
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

/// One account per role. Every demo account has the same password, so one argon2 hash serves.
async fn accounts(tx: &mut Tx, street: i64, community: i64, building: i64) -> anyhow::Result<()> {
    let hash = crate::auth::password::hash(DEMO_PASSWORD)?;
    let residents = sqlx::query("SELECT id, name FROM residents WHERE building_id = $1 AND birth_date < '2000-01-01' ORDER BY id LIMIT 2")
        .bind(building)
        .fetch_all(&mut **tx)
        .await?;
    let leader: (i64, String) = (residents[0].try_get("id")?, residents[0].try_get("name")?);
    let resident: (i64, String) = (residents[1].try_get("id")?, residents[1].try_get("name")?);
    let now = time::now_db();
    let term_from = Date::new(2026, 1, 1)?;
    let term_to = Date::new(2028, 12, 31)?;
    for (username, display, role) in ACCOUNTS {
        let role = Role::parse(role).expect("demo roles are known");
        let (display, resident_id) = match role {
            Role::BuildingLeader => (format!("楼栋长 {}", leader.1), Some(leader.0)),
            Role::Resident => (format!("居民 {}", resident.1), Some(resident.0)),
            _ => ((*display).to_owned(), None),
        };
        let uid: i64 = sqlx::query(
            "INSERT INTO users (username, display_name, password_hash, resident_id, disabled, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING id",
        )
        .bind(*username)
        .bind(&display)
        .bind(&hash)
        .bind(resident_id)
        .bind(&now)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        let scope = match role.scope_level() {
            crate::auth::policy::ScopeLevel::Street => Scope::Street(street),
            crate::auth::policy::ScopeLevel::Community => Scope::Community(community),
            crate::auth::policy::ScopeLevel::Building => Scope::Building(building),
        };
        let to = (role != Role::Resident).then_some(term_to);
        store::add_grant(tx, uid, role, scope, term_from, to)
            .await
            .map_err(|e| anyhow::anyhow!("demo grant: {e:?}"))?;
    }
    Ok(())
}
