//! Importing the ledgers of stationed units (驻社区单位), social organizations (社区社会组织)
//! and their members' roster for one community (issue 22 item 3). A row is matched to the
//! registered record of the same name in the community (a member: to the organization's
//! membership of the same resident); the check lists every record it registers and every change
//! old → new; the commit writes all or nothing and deletes nothing (a record missing from the
//! file stays). Contact phones and ID numbers come whole from the export for re-import; masked
//! ones are refused by name.

mod commit;
mod existing;
mod rows;

pub use commit::commit_social;

use std::collections::HashMap;

use crate::platform::conn::Conn;
use serde::Serialize;
use utoipa::ToSchema;

use super::{FieldChange, MAX_LISTED, RowChange, RowError};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, tf};

/// The ledgers of organizations an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocialLedger {
    /// 驻社区单位台账.
    Units,
    /// 社会组织台账.
    Orgs,
    /// 社会组织成员名册.
    Members,
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
/// The members' roster; all but 身份证号 are required. The member is found among the
/// community's residents by 身份证号, or by name when that is unique.
pub const MEMBER_COLUMNS: &[&str] = &["组织名称", "姓名", "职务", "加入日期", "身份证号"];

impl SocialLedger {
    /// `social-units`, `social-orgs` or `social-org-members`, as the ledgers and the import's
    /// address name them.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "social-units" => Some(Self::Units),
            "social-orgs" => Some(Self::Orgs),
            "social-org-members" => Some(Self::Members),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Units => "social-units",
            Self::Orgs => "social-orgs",
            Self::Members => "social-org-members",
        }
    }

    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Units => UNIT_COLUMNS,
            Self::Orgs => ORG_COLUMNS,
            Self::Members => MEMBER_COLUMNS,
        }
    }

    fn required(self) -> usize {
        match self {
            Self::Units => 2,
            Self::Orgs => 3,
            Self::Members => 4,
        }
    }

    /// The compared fields, as the preview names them (a row's values after its identity).
    fn fields(self) -> &'static [&'static str] {
        match self {
            Self::Units => &UNIT_COLUMNS[1..],
            Self::Orgs => &["类别", "成立日期", "负责人", "主要活动"],
            Self::Members => &["职务", "加入日期"],
        }
    }

    /// How many leading values say who the record is rather than what it says (a member's
    /// organization and resident).
    fn identity(self) -> usize {
        match self {
            Self::Members => 2,
            _ => 0,
        }
    }

    /// The audit log's object type.
    pub fn object(self) -> &'static str {
        match self {
            Self::Units => "social_unit",
            Self::Orgs | Self::Members => "social_org",
        }
    }
}

/// What an import of units, organizations or members found, or did.
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
        super::count_error(
            &mut self.error_count,
            &mut self.errors,
            row,
            column,
            message,
        );
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

/// Checks every row against the community's records (and, for a leader or a member, its
/// residents). `conn` is the writing transaction's connection when the plan is to be
/// committed, so that what was checked is what is written.
pub async fn plan_social(
    conn: &mut Conn,
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
    let header = table
        .get(start)
        .ok_or_else(|| AppError::invalid("file", "import.empty"))?;
    let col = super::rows::columns(header, columns, ledger.required())?;
    // The ledger for reading names each row's community: a row of another is refused.
    let community_col = header.iter().position(|h| h.trim() == "社区");
    let known = rows::Known::load(conn, ledger, community_id).await?;
    let existing = existing::existing(conn, ledger, community_id).await?;
    let mut plan = SocialPlan {
        ledger,
        community_id,
        report: SocialImportReport::default(),
        new: vec![],
        updates: vec![],
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let skip = ledger.identity();
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
        let values = known.check(ledger, &cell, &mut errors, lang);
        // What the row is matched by: its name, or a member's organization and resident.
        let (key, label) = match ledger {
            SocialLedger::Members => (
                format!("{}:{}", values[0].stored, values[1].stored),
                format!("{name} {}", cell(1)),
            ),
            _ => (name.to_owned(), name.to_owned()),
        };
        if let Some(first) = seen.get(&key) {
            let same = match ledger {
                SocialLedger::Members => "import.same_member",
                _ => "import.same_name",
            };
            errors.push((columns[0], tf(lang, same, &[("row", first.to_string())])));
        } else if !key.is_empty() && !key.starts_with(':') && !key.ends_with(':') {
            // (A member not found has no key to repeat.)
            seen.insert(key.clone(), line);
        }
        let found = existing.get(&key).map(Vec::as_slice).unwrap_or_default();
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
                        .zip(e.values[skip..].iter().zip(&values[skip..]))
                        .filter(|(_, (old, new))| old.stored != new.stored)
                        .map(|(column, (old, new))| FieldChange {
                            column: (*column).into(),
                            old: old.shown.clone(),
                            new: new.shown.clone(),
                        })
                        .collect();
                    plan.report.changes.push(RowChange {
                        row: line,
                        name: label,
                        fields,
                    });
                }
                plan.updates
                    .push((e.id, name.to_owned(), e.values.clone(), values));
            }
            None => {
                if plan.report.new.len() < MAX_LISTED {
                    plan.report.new.push(label);
                }
                plan.new.push((name.to_owned(), values));
            }
        }
    }
    plan.report.created = plan.new.len();
    plan.report.updated = plan.updates.len();
    Ok(plan)
}
