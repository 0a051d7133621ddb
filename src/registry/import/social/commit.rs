//! Writing a checked import of units, organizations or members, in the caller's transaction.

use crate::platform::conn::Conn;
use sqlx::Row;

use super::{SocialLedger, SocialPlan, Value};
use crate::platform::error::AppError;
use crate::platform::time;

/// Writes a plan without errors, in the caller's transaction; returns what was written (the
/// audit's object id and what it says) for the caller to audit, new records first. An update
/// changes the record only if it still holds what was checked, else 409.
pub async fn commit_social(
    conn: &mut Conn,
    plan: &SocialPlan,
) -> Result<Vec<(i64, String)>, AppError> {
    if plan.report.error_count > 0 {
        return Err(
            AppError::invalid("file", "import.has_errors").arg("n", plan.report.error_count)
        );
    }
    let now = time::now_db();
    let mut written = Vec::new();
    for (name, v) in &plan.new {
        let sql = match plan.ledger {
            SocialLedger::Units => {
                "INSERT INTO social_units (community_id, name, kind, address, contact_name, contact_phone, employees, note, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id"
            }
            SocialLedger::Orgs => {
                "INSERT INTO social_orgs (community_id, name, kind, founded_on, leader_resident_id, activities, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id"
            }
            SocialLedger::Members => {
                sqlx::query(
                    "INSERT INTO social_org_members (org_id, resident_id, position, joined_on) VALUES ($1, $2, $3, $4)",
                )
                .bind(int(&v[0]))
                .bind(int(&v[1]))
                .bind(&v[2].stored)
                .bind(&v[3].stored)
                .execute(&mut *conn)
                .await?;
                written.push((
                    int(&v[0]).unwrap_or(0),
                    format!("member {} new", v[1].stored),
                ));
                continue;
            }
        };
        let q = sqlx::query(sql).bind(plan.community_id).bind(name);
        let q = bind_values(q, plan.ledger, v);
        let id: i64 = q.bind(&now).fetch_one(&mut *conn).await?.try_get("id")?;
        written.push((id, "new".to_owned()));
    }
    for (id, name, old, new) in &plan.updates {
        let done = match plan.ledger {
            SocialLedger::Units => {
                let q = sqlx::query(
                    "UPDATE social_units SET kind = $1, address = $2, contact_name = $3, contact_phone = $4, employees = $5, \
                     note = $6, updated_at = $7 WHERE id = $8 AND TRIM(name) = $9 AND kind = $10 AND address = $11 \
                     AND contact_name = $12 AND contact_phone = $13 AND employees = $14 AND note = $15",
                );
                let q = bind_values(q, plan.ledger, new).bind(&now).bind(id).bind(name);
                bind_values(q, plan.ledger, old).execute(&mut *conn).await?
            }
            SocialLedger::Orgs => {
                let q = sqlx::query(
                    "UPDATE social_orgs SET kind = $1, founded_on = $2, leader_resident_id = $3, activities = $4, updated_at = $5 \
                     WHERE id = $6 AND TRIM(name) = $7 AND kind = $8 AND founded_on = $9 \
                     AND COALESCE(leader_resident_id, 0) = COALESCE($10, 0) AND activities = $11",
                );
                let q = bind_values(q, plan.ledger, new).bind(&now).bind(id).bind(name);
                bind_values(q, plan.ledger, old).execute(&mut *conn).await?
            }
            SocialLedger::Members => {
                sqlx::query(
                    "UPDATE social_org_members SET position = $1, joined_on = $2 WHERE org_id = $3 AND resident_id = $4 \
                     AND position = $5 AND joined_on = $6",
                )
                .bind(&new[2].stored)
                .bind(&new[3].stored)
                .bind(int(&old[0]))
                .bind(int(&old[1]))
                .bind(&old[2].stored)
                .bind(&old[3].stored)
                .execute(&mut *conn)
                .await?
            }
        };
        if done.rows_affected() != 1 {
            return Err(AppError::conflict("import.changed_meanwhile"));
        }
        let what = match plan.ledger {
            SocialLedger::Members => format!("member {} updated", old[1].stored),
            _ => "updated".to_owned(),
        };
        written.push((*id, what));
    }
    Ok(written)
}

fn int(v: &Value) -> Option<i64> {
    v.stored.parse::<i64>().ok()
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a unit's or an organization's values in its table's order and types.
fn bind_values<'q>(q: Query<'q>, ledger: SocialLedger, v: &'q [Value]) -> Query<'q> {
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
        SocialLedger::Members => q,
    }
}
