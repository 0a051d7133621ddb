//! Cases: the reply shown is the last reply's text; every sealed change's message hash still
//! matches its event; a case's status is the one its last sealed change set.

use std::collections::HashMap;

use crate::platform::conn::Conn;

use super::{Finding, attest, entries, finding};

pub(super) async fn cases(conn: &mut Conn, out: &mut Vec<Finding>) -> anyhow::Result<()> {
    // The reply shown is the last reply's (or refusal's) text.
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT c.id, c.reply, (SELECT e.message FROM case_events e WHERE e.case_id = c.id \
         AND e.action IN ('reply', 'reject') ORDER BY e.id DESC LIMIT 1) AS last FROM cases c ORDER BY c.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, reply, last) in rows {
        if let Some(last) = last
            && last != reply
        {
            out.push(finding(
                "case",
                format!("case {id}"),
                "答复与办理记录不符 the reply differs from the one in the case's timeline",
            ));
        }
    }
    // A sealed change with a message attests it: "from → to · event N sha256:…".
    for action in ["case.transition", "case.feedback"] {
        for (case, detail) in entries(conn, action).await? {
            if let Some((event, hash)) = detail
                .split_once(" · ")
                .and_then(|(_, a)| a.strip_prefix("event "))
                .and_then(|a| a.split_once(' '))
            {
                let message: Option<(i64, String)> =
                    sqlx::query_as("SELECT case_id, message FROM case_events WHERE id = $1")
                        .bind(event.parse::<i64>().unwrap_or(-1))
                        .fetch_optional(&mut *conn)
                        .await?;
                if message.is_none_or(|(c, m)| c.to_string() != case || attest(&m) != hash) {
                    out.push(finding(
                        "case",
                        format!("case {case}"),
                        format!(
                            "办理记录 {event} 被改动 event {event} changed after it was recorded"
                        ),
                    ));
                }
            }
        }
    }
    // A case's status is the one its last sealed change set.
    let latest: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT object_id, action, detail FROM audit_log WHERE seq IN (SELECT MAX(seq) FROM audit_log \
         WHERE action IN ('case.submit', 'case.transition', 'case.feedback') GROUP BY object_id)",
    )
    .fetch_all(&mut *conn)
    .await?;
    let statuses: HashMap<i64, String> = sqlx::query_as("SELECT id, status FROM cases")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    for (case, action, detail) in latest {
        let change = detail.split_once(" · ").map_or(detail.as_str(), |(c, _)| c);
        let sealed = if action == "case.submit" {
            Some("submitted")
        } else {
            change.rsplit_once(" → ").map(|(_, to)| to)
        };
        let (Some(sealed), Ok(id)) = (sealed, case.parse::<i64>()) else {
            continue;
        };
        if let Some(status) = statuses.get(&id)
            && status != sealed
        {
            out.push(finding(
                "case",
                format!("case {id}"),
                format!("状态被改动 status {status} where the last recorded change set {sealed}"),
            ));
        }
    }
    Ok(())
}
