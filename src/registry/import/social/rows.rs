//! Checking one row of a stationed units', social organizations' or members' ledger: each
//! problem named by its column, and the values the row says, as stored and as shown.

use std::collections::HashMap;

use crate::platform::conn::Conn;
use sqlx::Row;

use super::{SocialLedger, Value};
use crate::platform::i18n::{Lang, t, tf};
use crate::platform::time;
use crate::registry::id_number::IdNumber;
use crate::registry::phone::Phone;
use crate::registry::social::{ORG_KINDS, UNIT_KINDS};

/// The longest free text a cell may hold.
const MAX_TEXT: usize = 500;
/// A member's positions, by their stored names.
const POSITIONS: &[&str] = &["president", "vice_president", "secretary", "member"];

type Errors<'c> = Vec<(&'c str, String)>;

/// What rows refer to: the community's living residents (a leader or a member), by ID number
/// and by name, and its organizations by name (a member's).
pub(super) struct Known {
    by_id: HashMap<String, (i64, String)>,
    by_name: HashMap<String, Vec<i64>>,
    names: HashMap<i64, String>,
    orgs: HashMap<String, Vec<i64>>,
}

impl Known {
    pub(super) async fn load(
        conn: &mut Conn,
        ledger: SocialLedger,
        community_id: i64,
    ) -> Result<Known, sqlx::Error> {
        let mut k = Known {
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            names: HashMap::new(),
            orgs: HashMap::new(),
        };
        if ledger == SocialLedger::Units {
            return Ok(k);
        }
        let rows = sqlx::query(
            "SELECT id, name, id_number FROM residents WHERE community_id = $1 AND status = 'living' AND locked_at IS NULL",
        )
        .bind(community_id)
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            let (id, name): (i64, String) = (r.try_get("id")?, r.try_get("name")?);
            k.by_name.entry(name.clone()).or_default().push(id);
            k.names.insert(id, name.clone());
            k.by_id.insert(r.try_get("id_number")?, (id, name));
        }
        let rows = sqlx::query("SELECT id, name FROM social_orgs WHERE community_id = $1")
            .bind(community_id)
            .fetch_all(&mut *conn)
            .await?;
        for r in rows {
            let name: String = r.try_get("name")?;
            k.orgs
                .entry(name.trim().to_owned())
                .or_default()
                .push(r.try_get("id")?);
        }
        Ok(k)
    }

    /// The values a row says, in the ledger's order; problems go into `errors`.
    pub(super) fn check<'a, 'c>(
        &self,
        ledger: SocialLedger,
        cell: &impl Fn(usize) -> &'a str,
        errors: &mut Errors<'c>,
        lang: Lang,
    ) -> Vec<Value> {
        match ledger {
            SocialLedger::Units => unit(cell, errors, lang),
            SocialLedger::Orgs => self.org(cell, errors, lang),
            SocialLedger::Members => self.member(cell, errors, lang),
        }
    }

    /// The living resident of the community a name and an ID number (either may be empty)
    /// name; `None` with an error when there is none or the name is not unique.
    fn resident<'c>(
        &self,
        (name, number): (&str, &str),
        (name_col, number_col): (&'c str, &'c str),
        errors: &mut Errors<'c>,
        lang: Lang,
    ) -> Option<i64> {
        if number.is_empty() {
            return match self.by_name.get(name).map(Vec::as_slice) {
                _ if name.is_empty() => None,
                Some([one]) => Some(*one),
                Some(several) => {
                    let n = several.len().to_string();
                    let key = "import.resident_ambiguous";
                    errors.push((
                        name_col,
                        tf(lang, key, &[("n", n), ("column", number_col.into())]),
                    ));
                    None
                }
                None => {
                    errors.push((name_col, tf(lang, "import.resident_unknown", &[])));
                    None
                }
            };
        }
        if masked(number) {
            errors.push((number_col, tf(lang, "import.masked_ledger", &[])));
            return None;
        }
        match IdNumber::parse(number) {
            Err(e) => {
                errors.push((number_col, tf(lang, e.key(), &[])));
                None
            }
            Ok(n) => match self.by_id.get(n.as_str()) {
                None => {
                    errors.push((number_col, tf(lang, "import.resident_unknown", &[])));
                    None
                }
                Some((_, registered)) if !name.is_empty() && name != registered => {
                    let key = "import.resident_other_name";
                    errors.push((name_col, tf(lang, key, &[("name", registered.clone())])));
                    None
                }
                Some((id, _)) => Some(*id),
            },
        }
    }

    fn named(&self, resident: Option<i64>) -> Value {
        Value {
            stored: resident.map(|i| i.to_string()).unwrap_or_default(),
            shown: resident
                .and_then(|i| self.names.get(&i).cloned())
                .unwrap_or_default(),
        }
    }

    fn org<'a, 'c>(
        &self,
        cell: &impl Fn(usize) -> &'a str,
        errors: &mut Errors<'c>,
        lang: Lang,
    ) -> Vec<Value> {
        kind(cell(1), ORG_KINDS, errors, lang);
        let founded = day(cell(2), "成立日期", errors, lang);
        free_text("主要活动", cell(5), errors, lang);
        let leader = self.resident(
            (cell(3), cell(4)),
            ("负责人", "负责人身份证号"),
            errors,
            lang,
        );
        vec![
            Value::text(cell(1)),
            Value::text(&founded),
            self.named(leader),
            Value::text(cell(5)),
        ]
    }

    fn member<'a, 'c>(
        &self,
        cell: &impl Fn(usize) -> &'a str,
        errors: &mut Errors<'c>,
        lang: Lang,
    ) -> Vec<Value> {
        let org = match self.orgs.get(cell(0)).map(Vec::as_slice) {
            Some([one]) => Some(*one),
            Some(several) => {
                let n = several.len().to_string();
                errors.push(("组织名称", tf(lang, "import.name_twice", &[("n", n)])));
                None
            }
            None => {
                if !cell(0).is_empty() {
                    errors.push(("组织名称", tf(lang, "import.unknown_org", &[])));
                }
                None
            }
        };
        if cell(1).is_empty() {
            errors.push(("姓名", tf(lang, "import.required", &[])));
        }
        let member = self.resident((cell(1), cell(4)), ("姓名", "身份证号"), errors, lang);
        let position = POSITIONS
            .iter()
            .find(|p| t(Lang::ZhCn, &format!("position.{p}")) == cell(2))
            .copied();
        if position.is_none() {
            let labels: Vec<&str> = POSITIONS
                .iter()
                .map(|p| t(Lang::ZhCn, &format!("position.{p}")))
                .collect();
            let kinds = labels.join("、");
            errors.push(("职务", tf(lang, "import.bad_position", &[("kinds", kinds)])));
        }
        let joined = day(cell(3), "加入日期", errors, lang);
        vec![
            Value::text(&org.map(|o| o.to_string()).unwrap_or_default()),
            Value::text(&member.map(|m| m.to_string()).unwrap_or_default()),
            Value {
                stored: position.unwrap_or_default().to_owned(),
                shown: cell(2).to_owned(),
            },
            Value::text(&joined),
        ]
    }
}

/// A number with * in it came from a ledger for reading.
fn masked(v: &str) -> bool {
    v.contains(['*', '＊'])
}

fn free_text(column: &'static str, v: &str, errors: &mut Errors, lang: Lang) {
    if v.chars().count() > MAX_TEXT {
        errors.push((
            column,
            tf(lang, "input.bad_text", &[("max", MAX_TEXT.to_string())]),
        ));
    }
}

fn kind(v: &str, kinds: &[&str], errors: &mut Errors, lang: Lang) {
    if !kinds.contains(&v) {
        errors.push((
            "类别",
            tf(lang, "import.bad_kind", &[("kinds", kinds.join("、"))]),
        ));
    }
}

/// A day not after today, as `YYYY-MM-DD`.
fn day(v: &str, column: &'static str, errors: &mut Errors, lang: Lang) -> String {
    match time::parse_day("day", v) {
        Ok(d) if d <= time::today() => d.to_string(),
        _ => {
            let key = "import.bad_day";
            errors.push((column, tf(lang, key, &[("column", column.into())])));
            String::new()
        }
    }
}

fn unit<'a>(cell: &impl Fn(usize) -> &'a str, errors: &mut Errors, lang: Lang) -> Vec<Value> {
    kind(cell(1), UNIT_KINDS, errors, lang);
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
