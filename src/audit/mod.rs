//! The audit log: every write and every read of sensitive personal data appends one entry, in
//! the same transaction as what it records. Entries form a hash chain; `zizhi verify` walks it.

pub mod api;

pub use api::routes;
mod chain;
pub mod checkpoint;
pub mod integrity;
pub mod refusals;
pub mod retention;
pub mod seal;
pub mod web;

pub use web::pages;

use sha2::{Digest, Sha256};
use sqlx::Row;

pub(crate) use chain::walk;
pub use chain::{ChainReport, verify};

use crate::auth::scope::Place;
use crate::platform::db::{Tx, store_failed};
use crate::platform::time;

/// Who did it, as recorded.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    /// The roles the actor held (comma-separated identifiers), `anonymous` or `operator`.
    pub role: String,
    pub ip: String,
}

impl Actor {
    /// An account that has just proved who it is (a token issued, a password changed), before
    /// any request context knows it.
    pub fn account(user: &crate::auth::User, ip: &str) -> Actor {
        Actor {
            id: Some(user.id),
            name: user.username.clone(),
            role: "user".into(),
            ip: ip.to_owned(),
        }
    }

    /// The operator at the command line.
    pub fn operator() -> Actor {
        let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Actor {
            id: None,
            name: format!("cli:{who}"),
            role: "operator".into(),
            ip: "local".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Denied,
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One thing that happened.
#[derive(Clone, Debug)]
pub struct Entry {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub place: Place,
    pub outcome: Outcome,
    /// A read of sensitive personal data (health, pregnancy, whereabouts, a revealed ID).
    pub sensitive: bool,
    pub detail: String,
}

impl Entry {
    pub fn new(action: &'static str, object_type: &'static str, object_id: impl ToString) -> Entry {
        Entry {
            action,
            object_type,
            object_id: object_id.to_string(),
            place: Place::default(),
            outcome: Outcome::Ok,
            sensitive: false,
            detail: String::new(),
        }
    }
    pub fn at(mut self, place: Place) -> Entry {
        self.place = place;
        self
    }
    pub fn outcome(mut self, o: Outcome) -> Entry {
        self.outcome = o;
        self
    }
    pub fn sensitive(mut self) -> Entry {
        self.sensitive = true;
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Entry {
        self.detail = d.into();
        self
    }
}

/// The fields an entry's hash covers, in order. Each is length-prefixed so that no choice of
/// field contents can make two different entries hash alike; the previous entry's hash is one
/// of them, which chains the entries.
pub struct Hashed<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub role: &'a str,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub place: Place,
    pub result: &'a str,
    pub ip: &'a str,
    pub sensitive: bool,
    pub detail: &'a str,
    pub prev_hash: &'a str,
}

fn opt(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// An entry's hash: SHA-256 over its fields, each length-prefixed.
pub fn entry_hash(e: &Hashed<'_>) -> String {
    let fields: [String; 16] = [
        "zizhi-audit-v1".into(),
        e.seq.to_string(),
        e.at.into(),
        opt(e.actor_id),
        e.actor.into(),
        e.role.into(),
        e.action.into(),
        e.object_type.into(),
        e.object_id.into(),
        format!(
            "{}/{}/{}",
            opt(e.place.street_id),
            opt(e.place.community_id),
            opt(e.place.building_id)
        ),
        e.result.into(),
        e.ip.into(),
        if e.sensitive { "1" } else { "0" }.into(),
        e.detail.into(),
        e.prev_hash.into(),
        String::new(),
    ];
    let mut h = Sha256::new();
    for f in &fields {
        h.update(f.len().to_string().as_bytes());
        h.update(b":");
        h.update(f.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends an entry inside `tx`. Taking the chain's head row first serializes appenders.
///
/// A write that cannot be audited is not made: should the entry fail, the error is a
/// `store_failed` one (503), and the caller's `?` drops `tx`, which rolls back the change the
/// entry was to record.
pub async fn record(tx: &mut Tx, actor: &Actor, e: Entry) -> Result<i64, sqlx::Error> {
    let action = e.action;
    append(tx, actor, e).await.map_err(|err| {
        tracing::error!(error = %err, action, "audit entry failed; the write is rolled back");
        store_failed("audit entry", err)
    })
}

async fn append(tx: &mut Tx, actor: &Actor, e: Entry) -> Result<i64, sqlx::Error> {
    let head =
        sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, mac")
            .fetch_one(&mut **tx)
            .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    // The head must be the one zizhi sealed: extending a rewritten head would seal the rewrite.
    let key = seal::check_head(seal::HEAD, seq - 1, &prev, head.try_get("mac")?)?;
    let at = time::now_db();
    let hash = entry_hash(&Hashed {
        seq,
        at: &at,
        actor_id: actor.id,
        actor: &actor.name,
        role: &actor.role,
        action: e.action,
        object_type: e.object_type,
        object_id: &e.object_id,
        place: e.place,
        result: e.outcome.as_str(),
        ip: &actor.ip,
        sensitive: e.sensitive,
        detail: &e.detail,
        prev_hash: &prev,
    });
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, role, action, object_type, object_id, \
         street_id, community_id, building_id, result, client_ip, sensitive, detail, prev_hash, hash, mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(seq)
    .bind(&at)
    .bind(actor.id)
    .bind(&actor.name)
    .bind(&actor.role)
    .bind(e.action)
    .bind(e.object_type)
    .bind(&e.object_id)
    .bind(e.place.street_id)
    .bind(e.place.community_id)
    .bind(e.place.building_id)
    .bind(e.outcome.as_str())
    .bind(&actor.ip)
    .bind(i64::from(e.sensitive))
    .bind(&e.detail)
    .bind(&prev)
    .bind(&hash)
    .bind(key.mac(seal::ENTRY, &[&hash]))
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1, mac = $2 WHERE id = 1")
        .bind(&hash)
        .bind(seal::head_mac(key, seal::HEAD, seq, &hash))
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// Records one entry that stands alone (a refusal, a read, which change nothing else), durable
/// before it returns. Concurrent ones share a commit, as every write does (`group_commit`).
///
/// The decision (issue 9): a read of sensitive data is answered only after its audit entry is
/// committed, so a crash can never lose the record of a read that was shown. What this costs is
/// latency (at most one batch's commit) and, on a failed commit, the batch's reads: each is
/// refused with the error, none is shown unrecorded.
pub async fn record_alone(
    db: &crate::platform::db::Db,
    actor: &Actor,
    e: Entry,
) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin().await?;
    let seq = record(&mut tx, actor, e).await?;
    tx.commit().await?;
    Ok(seq)
}

/// A read of sensitive personal data (health, family planning, aid, visits, notebooks): one
/// entry, marked sensitive, committed before the data is shown (`record_alone`).
pub async fn sensitive_read(
    db: &crate::platform::db::Db,
    actor: &Actor,
    action: &'static str,
    object_type: &'static str,
    object_id: impl ToString,
    detail: String,
) -> Result<(), sqlx::Error> {
    let e = Entry::new(action, object_type, object_id)
        .sensitive()
        .detail(detail);
    record_alone(db, actor, e).await.map(|_| ())
}
