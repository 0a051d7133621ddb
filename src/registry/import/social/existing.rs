//! The community's registered units, organizations or memberships, as an import compares them.

use std::collections::HashMap;

use crate::platform::conn::Conn;
use sqlx::Row;

use super::{Existing, SocialLedger, Value};
use crate::platform::i18n::{Lang, t};

/// The community's registered records, by what a row is matched with: the name, or for a
/// membership `organization id:resident id`.
pub(super) async fn existing(
    conn: &mut Conn,
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
        SocialLedger::Members => {
            "SELECT m.org_id, m.resident_id, m.position, m.joined_on FROM social_org_members m \
             JOIN social_orgs o ON o.id = m.org_id WHERE o.community_id = $1"
        }
    };
    let rows = sqlx::query(sql)
        .bind(community_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut out: HashMap<String, Vec<Existing>> = HashMap::new();
    for r in rows {
        let s = |c: &str| r.try_get::<String, _>(c).map(|v| Value::text(&v));
        let (key, id, values) = match ledger {
            SocialLedger::Units => (
                r.try_get::<String, _>("name")?,
                r.try_get("id")?,
                vec![
                    s("kind")?,
                    s("address")?,
                    s("contact_name")?,
                    s("contact_phone")?,
                    Value::text(&r.try_get::<i64, _>("employees")?.to_string()),
                    s("note")?,
                ],
            ),
            SocialLedger::Orgs => (
                r.try_get::<String, _>("name")?,
                r.try_get("id")?,
                vec![
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
            ),
            SocialLedger::Members => {
                let (org, resident): (i64, i64) = (r.try_get("org_id")?, r.try_get("resident_id")?);
                let position: String = r.try_get("position")?;
                (
                    format!("{org}:{resident}"),
                    org,
                    vec![
                        Value::text(&org.to_string()),
                        Value::text(&resident.to_string()),
                        Value {
                            shown: t(Lang::ZhCn, &format!("position.{position}")).to_owned(),
                            stored: position,
                        },
                        s("joined_on")?,
                    ],
                )
            }
        };
        out.entry(key.trim().to_owned())
            .or_default()
            .push(Existing { id, values });
    }
    Ok(out)
}
