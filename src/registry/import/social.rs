//! Importing the ledgers of stationed units (驻社区单位) and social organizations (社区社会组织)
//! for one community (issue 22 item 3). A row is matched to the registered record of the same
//! name in the community; the check lists every record it registers and every change old → new;
//! the commit writes all or nothing and deletes nothing (a record missing from the file stays).
//! Contact phones and the leader's ID number come whole from the export for re-import; masked
//! ones are refused by name.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::{FieldChange, MAX_LISTED, RowChange, RowError};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, tf};
use crate::platform::time;
use crate::registry::id_number::IdNumber;
use crate::registry::phone::Phone;
use crate::registry::social::{ORG_KINDS, UNIT_KINDS};

/// The two ledgers of organizations an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocialLedger {
    /// 驻社区单位台账.
    Units,
    /// 社会组织台账.
    Orgs,
}

/// The stationed units' columns, by their Chinese headers; the first two are required.
pub const UNIT_COLUMNS: &[&str] = &[
    "单位名称",
    "类别",
    "地址",
    "联系人",
    "联系电话",
    "职工人数",
    "备注",
];
/// The social organizations' columns; the first three are required. The leader is found among
/// the community's residents by 负责人身份证号, or by name when that is unique.
pub const ORG_COLUMNS: &[&str] = &[
    "组织名称",
    "类别",
    "成立日期",
    "负责人",
    "负责人身份证号",
    "主要活动",
];
/// The fields an organization's row compares (the leader is one, however it is named).
const ORG_FIELDS: &[&str] = &["类别", "成立日期", "负责人", "主要活动"];
/// The longest free text a cell may hold.
const MAX_TEXT: usize = 500;

impl SocialLedger {
    /// `social-units` or `social-orgs`, as the ledgers and the import's address name them.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "social-units" => Some(Self::Units),
            "social-orgs" => Some(Self::Orgs),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Units => "social-units",
            Self::Orgs => "social-orgs",
        }
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Units => UNIT_COLUMNS,
            Self::Orgs => ORG_COLUMNS,
        }
    }

    fn required(self) -> usize {
        match self {
            Self::Units => 2,
            Self::Orgs => 3,
        }
    }

    /// The compared fields after the name, as the preview names them.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Units => &UNIT_COLUMNS[1..],
            Self::Orgs => ORG_FIELDS,
        }
    }

    /// The audit log's object type.
    pub fn object(self) -> &'static str {
        match self {
            Self::Units => "social_unit",
            Self::Orgs => "social_org",
        }
    }
}

/// What an import of units or organizations found, or did.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct SocialImportReport {
    pub rows: usize,
    /// The names of the records the import registers (the first 200).
    pub new: Vec<String>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub error_count: usize,
    /// The first 200 errors.
    pub errors: Vec<RowError>,
    /// The first 200 rows that change a registered record, each with its old → new values.
    pub changes: Vec<RowChange>,
    pub committed: bool,
}

impl SocialImportReport {
    fn error(&mut self, row: usize, column: &str, message: String) {
        self.error_count += 1;
        if self.errors.len() < MAX_LISTED {
            self.errors.push(RowError {
                row,
                column: column.to_owned(),
                message,
            });
        }
    }
}

/// One field as stored and as a worker reads it (a leader is stored by id, shown by name).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Value {
    stored: String,
    shown: String,
}

impl Value {
    fn text(s: &str) -> Value {
        Value {
            stored: s.to_owned(),
            shown: s.to_owned(),
        }
    }
}

/// A registered record, as the import compares it.
struct Existing {
    id: i64,
    values: Vec<Value>,
}

/// A checked import, ready to commit.
pub struct SocialPlan {
    pub ledger: SocialLedger,
    pub community_id: i64,
    pub report: SocialImportReport,
    new: Vec<(String, Vec<Value>)>,
    /// Record id, name, the values checked (the update's guard), the new values.
    updates: Vec<(i64, String, Vec<Value>, Vec<Value>)>,
}

/// The community's living residents a leader may be: by ID number, and by name.
struct People {
    by_id: HashMap<String, (i64, String)>,
    by_name: HashMap<String, Vec<i64>>,
}

async fn people(conn: &mut AnyConnection, community_id: i64) -> Result<People, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, id_number FROM residents WHERE community_id = $1 AND status = 'living' AND locked_at IS NULL",
    )
    .bind(community_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut p = People {
        by_id: HashMap::new(),
        by_name: HashMap::new(),
    };
    for r in rows {
        let (id, name): (i64, String) = (r.try_get("id")?, r.try_get("name")?);
        p.by_name.entry(name.clone()).or_default().push(id);
        p.by_id.insert(r.try_get("id_number")?, (id, name));
    }
    Ok(p)
}

/// The community's registered records, by name.
async fn existing(
    conn: &mut AnyConnection,
    ledger: SocialLedger,
    community_id: i64,
) -> Result<HashMap<String, Vec<Existing>>, sqlx::Error> {
    let sql = match ledger {
        SocialLedger::Units => {
            "SELECT id, name, kind, address, contact_name, contact_phone, employees, note FROM social_units \
             WHERE community_id = $1 ORDER BY id"
        }
        SocialLedger::Orgs => {
            "SELECT o.id, o.name, o.kind, o.founded_on, o.leader_resident_id, o.activities, \
             CASE WHEN r.locked_at IS NULL THEN r.name ELSE '' END AS leader \
             FROM social_orgs o LEFT JOIN residents r ON r.id = o.leader_resident_id WHERE o.community_id = $1 ORDER BY o.id"
        }
    };
    let rows = sqlx::query(sql)
        .bind(community_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: HashMap<String, Vec<Existing>> = HashMap::new();
    for r in rows {
        let s = |c: &str| r.try_get::<String, _>(c).map(|v| Value::text(&v));
        let values = match ledger {
            SocialLedger::Units => vec![
                s("kind")?,
                s("address")?,
                s("contact_name")?,
                s("contact_phone")?,
                Value::text(&r.try_get::<i64, _>("employees")?.to_string()),
                s("note")?,
            ],
            SocialLedger::Orgs => vec![
                s("kind")?,
                s("founded_on")?,
                Value {
                    stored: r
                        .try_get::<Option<i64>, _>("leader_resident_id")?
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                    shown: r
                        .try_get::<Option<String>, _>("leader")?
                        .unwrap_or_default(),
                },
                s("activities")?,
            ],
        };
        let name: String = r.try_get("name")?;
        out.entry(name.trim().to_owned())
            .or_default()
            .push(Existing {
                id: r.try_get("id")?,
                values,
            });
    }
    Ok(out)
}

/// Checks every row against the community's records (and, for a leader, its residents).
/// `conn` is the writing transaction's connection when the plan is to be committed, so that
/// what was checked is what is written.
pub async fn plan_social(
    conn: &mut AnyConnection,
    ledger: SocialLedger,
    community_id: i64,
    community_name: &str,
    table: &[Vec<String>],
    lang: Lang,
) -> Result<SocialPlan, AppError> {
    let columns = ledger.columns();
    // The headers' row: the first of the top few that names the record (a ledger exported for
    // reading has a title above its headers).
    let start = table
        .iter()
        .take(5)
        .position(|r| r.iter().any(|c| c.trim() == columns[0]))
        .unwrap_or(0);
    let header: Vec<&str> = table
        .get(start)
        .ok_or_else(|| AppError::invalid("file", "import.empty"))?
        .iter()
        .map(|h| h.trim())
        .collect();
    let pos = |name: &str| header.iter().position(|h| *h == name);
    let missing: Vec<&str> = columns[..ledger.required()]
        .iter()
        .filter(|c| pos(c).is_none())
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(
            AppError::invalid("file", "import.missing_columns").arg("columns", missing.join("、"))
        );
    }
    let col: Vec<Option<usize>> = columns.iter().map(|c| pos(c)).collect();
    // The ledger for reading names each row's community: a row of another is refused.
    let community_col = pos("社区");
    let people = match ledger {
        SocialLedger::Orgs => Some(people(conn, community_id).await?),
        SocialLedger::Units => None,
    };
    let existing = existing(conn, ledger, community_id).await?;
    let mut plan = SocialPlan {
        ledger,
        community_id,
        report: SocialImportReport::default(),
        new: vec![],
        updates: vec![],
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in table.iter().enumerate().skip(start + 1) {
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        plan.report.rows += 1;
        let line = i + 1;
        let cell = |k: usize| {
            col[k]
                .and_then(|c| raw.get(c))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut errors: Vec<(&str, String)> = Vec::new();
        if let Some(c) = community_col.and_then(|c| raw.get(c)).map(|s| s.trim())
            && !c.is_empty()
            && c != community_name
        {
            errors.push((
                "社区",
                tf(
                    lang,
                    "import.not_this_community",
                    &[("value", c.to_owned())],
                ),
            ));
        }
        let name = cell(0);
        if name.is_empty() || name.chars().count() > 60 {
            errors.push((
                columns[0],
                tf(lang, "input.bad_text", &[("max", "60".into())]),
            ));
        }
        let values = match ledger {
            SocialLedger::Units => check_unit(&cell, &mut errors, lang),
            SocialLedger::Orgs => {
                check_org(&cell, people.as_ref().expect("loaded"), &mut errors, lang)
            }
        };
        if let Some(first) = seen.get(name) {
            errors.push((
                columns[0],
                tf(lang, "import.same_name", &[("row", first.to_string())]),
            ));
        } else {
            seen.insert(name.to_owned(), line);
        }
        let found = existing.get(name).map(Vec::as_slice).unwrap_or_default();
        if found.len() > 1 {
            errors.push((
                columns[0],
                tf(lang, "import.name_twice", &[("n", found.len().to_string())]),
            ));
        }
        if !errors.is_empty() {
            for (column, message) in errors {
                plan.report.error(line, column, message);
            }
            continue;
        }
        match found.first() {
            Some(e) if e.values == values => plan.report.unchanged += 1,
            Some(e) => {
                if plan.report.changes.len() < MAX_LISTED {
                    let fields = ledger
                        .fields()
                        .iter()
                        .zip(e.values.iter().zip(&values))
                        .filter(|(_, (old, new))| old.stored != new.stored)
                        .map(|(column, (old, new))| FieldChange {
                            column: (*column).into(),
                            old: old.shown.clone(),
                            new: new.shown.clone(),
                        })
                        .collect();
                    plan.report.changes.push(RowChange {
                        row: line,
                        name: name.to_owned(),
                        fields,
                    });
                }
                plan.updates
                    .push((e.id, name.to_owned(), e.values.clone(), values));
            }
            None => {
                if plan.report.new.len() < MAX_LISTED {
                    plan.report.new.push(name.to_owned());
                }
                plan.new.push((name.to_owned(), values));
            }
        }
    }
    plan.report.created = plan.new.len();
    plan.report.updated = plan.updates.len();
    Ok(plan)
}

/// A number with * in it came from a ledger for reading.
fn masked(v: &str) -> bool {
    v.contains(['*', '＊'])
}

fn free_text(column: &'static str, v: &str, errors: &mut Vec<(&str, String)>, lang: Lang) {
    if v.chars().count() > MAX_TEXT {
        errors.push((
            column,
            tf(lang, "input.bad_text", &[("max", MAX_TEXT.to_string())]),
        ));
    }
}

fn check_unit<'a>(
    cell: &impl Fn(usize) -> &'a str,
    errors: &mut Vec<(&str, String)>,
    lang: Lang,
) -> Vec<Value> {
    if !UNIT_KINDS.contains(&cell(1)) {
        errors.push((
            "类别",
            tf(lang, "import.bad_kind", &[("kinds", UNIT_KINDS.join("、"))]),
        ));
    }
    for (k, column) in [(2, "地址"), (3, "联系人"), (6, "备注")] {
        free_text(column, cell(k), errors, lang);
    }
    let phone = match cell(4) {
        "" => String::new(),
        p if masked(p) => {
            errors.push(("联系电话", tf(lang, "import.masked_ledger", &[])));
            String::new()
        }
        p => Phone::parse(p)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|k| {
                errors.push(("联系电话", tf(lang, k, &[])));
                String::new()
            }),
    };
    let employees = match cell(5) {
        "" => 0,
        n => match n.parse::<i64>() {
            Ok(n) if (0..=1_000_000).contains(&n) => n,
            _ => {
                errors.push(("职工人数", tf(lang, "import.bad_employees", &[])));
                0
            }
        },
    };
    vec![
        Value::text(cell(1)),
        Value::text(cell(2)),
        Value::text(cell(3)),
        Value::text(&phone),
        Value::text(&employees.to_string()),
        Value::text(cell(6)),
    ]
}

fn check_org<'a>(
    cell: &impl Fn(usize) -> &'a str,
    people: &People,
    errors: &mut Vec<(&str, String)>,
    lang: Lang,
) -> Vec<Value> {
    if !ORG_KINDS.contains(&cell(1)) {
        errors.push((
            "类别",
            tf(lang, "import.bad_kind", &[("kinds", ORG_KINDS.join("、"))]),
        ));
    }
    let founded = match time::parse_day("founded_on", cell(2)) {
        Ok(d) if d <= time::today() => d.to_string(),
        _ => {
            errors.push(("成立日期", tf(lang, "import.bad_founded", &[])));
            String::new()
        }
    };
    free_text("主要活动", cell(5), errors, lang);
    let (name, number) = (cell(3), cell(4));
    let leader = if number.is_empty() {
        match people.by_name.get(name).map(Vec::as_slice) {
            _ if name.is_empty() => None,
            Some([one]) => Some(*one),
            Some(several) => {
                errors.push((
                    "负责人",
                    tf(
                        lang,
                        "import.leader_ambiguous",
                        &[("n", several.len().to_string())],
                    ),
                ));
                None
            }
            None => {
                errors.push(("负责人", tf(lang, "import.leader_unknown", &[])));
                None
            }
        }
    } else if masked(number) {
        errors.push(("负责人身份证号", tf(lang, "import.masked_ledger", &[])));
        None
    } else {
        match IdNumber::parse(number) {
            Err(e) => {
                errors.push(("负责人身份证号", tf(lang, e.key(), &[])));
                None
            }
            Ok(n) => match people.by_id.get(n.as_str()) {
                None => {
                    errors.push(("负责人身份证号", tf(lang, "import.leader_unknown", &[])));
                    None
                }
                Some((_, registered)) if !name.is_empty() && name != registered => {
                    errors.push((
                        "负责人",
                        tf(
                            lang,
                            "import.leader_other_name",
                            &[("name", registered.clone())],
                        ),
                    ));
                    None
                }
                Some((id, _)) => Some(*id),
            },
        }
    };
    let leader_name = leader
        .and_then(|id| people.by_id.values().find(|(i, _)| *i == id))
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    vec![
        Value::text(cell(1)),
        Value::text(&founded),
        Value {
            stored: leader.map(|i| i.to_string()).unwrap_or_default(),
            shown: leader_name,
        },
        Value::text(cell(5)),
    ]
}

/// Writes a plan without errors, in the caller's transaction; each record written is audited by
/// the caller from the ids returned (new first, then updated). An update changes the record only
/// if it still holds what was checked, else 409.
pub async fn commit_social(
    conn: &mut AnyConnection,
    plan: &SocialPlan,
) -> Result<Vec<(i64, &'static str)>, AppError> {
    if plan.report.error_count > 0 {
        return Err(
            AppError::invalid("file", "import.has_errors").arg("n", plan.report.error_count)
        );
    }
    let now = time::now_db();
    let mut written = Vec::new();
    for (name, v) in &plan.new {
        let q = match plan.ledger {
            SocialLedger::Units => sqlx::query(
                "INSERT INTO social_units (community_id, name, kind, address, contact_name, contact_phone, employees, note, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            ),
            SocialLedger::Orgs => sqlx::query(
                "INSERT INTO social_orgs (community_id, name, kind, founded_on, leader_resident_id, activities, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            ),
        };
        let q = bind_values(q.bind(plan.community_id).bind(name), plan.ledger, v);
        let id: i64 = q.bind(&now).fetch_one(&mut *conn).await?.try_get("id")?;
        written.push((id, "new"));
    }
    for (id, name, old, new) in &plan.updates {
        let q = match plan.ledger {
            SocialLedger::Units => sqlx::query(
                "UPDATE social_units SET kind = $1, address = $2, contact_name = $3, contact_phone = $4, employees = $5, \
                 note = $6, updated_at = $7 WHERE id = $8 AND TRIM(name) = $9 AND kind = $10 AND address = $11 AND contact_name = $12 \
                 AND contact_phone = $13 AND employees = $14 AND note = $15",
            ),
            SocialLedger::Orgs => sqlx::query(
                "UPDATE social_orgs SET kind = $1, founded_on = $2, leader_resident_id = $3, activities = $4, updated_at = $5 \
                 WHERE id = $6 AND TRIM(name) = $7 AND kind = $8 AND founded_on = $9 AND COALESCE(leader_resident_id, 0) = COALESCE($10, 0) \
                 AND activities = $11",
            ),
        };
        let q = bind_values(q, plan.ledger, new)
            .bind(&now)
            .bind(id)
            .bind(name);
        let done = bind_values(q, plan.ledger, old).execute(&mut *conn).await?;
        if done.rows_affected() != 1 {
            return Err(AppError::conflict("import.changed_meanwhile"));
        }
        written.push((*id, "updated"));
    }
    Ok(written)
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a record's values in its table's order and types.
fn bind_values<'q>(q: Query<'q>, ledger: SocialLedger, v: &'q [Value]) -> Query<'q> {
    let int = |v: &Value| v.stored.parse::<i64>().ok();
    match ledger {
        SocialLedger::Units => q
            .bind(&v[0].stored)
            .bind(&v[1].stored)
            .bind(&v[2].stored)
            .bind(&v[3].stored)
            .bind(int(&v[4]).unwrap_or(0))
            .bind(&v[5].stored),
        SocialLedger::Orgs => q
            .bind(&v[0].stored)
            .bind(&v[1].stored)
            .bind(int(&v[2]))
            .bind(&v[3].stored),
    }
}
