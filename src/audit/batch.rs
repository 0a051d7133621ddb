//! Group commit for the entries that stand alone — reads of personal data and refusals, which
//! change nothing else. Each caller still waits until its entry is durable; callers that
//! arrive while a batch is being written share the next transaction, and so its fsync.
//!
//! The decision (issue 9): a read of sensitive data is answered only after its audit entry is
//! committed, so a crash can never lose the record of a read that was shown. What batching costs
//! is latency (at most one batch's commit) and, on a failed commit, the whole batch's reads:
//! each is refused with the error, none is shown unrecorded.

use std::sync::Mutex;

use tokio::sync::oneshot;

use super::{Actor, Entry};
use crate::platform::db::Db;

type Reply = oneshot::Sender<Result<i64, String>>;

/// The entries waiting for the next batch, and whether a writer is at work.
#[derive(Default)]
pub struct Queue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    pending: Vec<(Actor, Entry, Reply)>,
    writing: bool,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("audit::batch::Queue")
    }
}

/// Appends one entry in a shared transaction and returns its sequence number once committed.
pub async fn record(db: &Db, actor: &Actor, e: Entry) -> Result<i64, sqlx::Error> {
    let (reply, answer) = oneshot::channel();
    let start = {
        let mut s = db.audit_queue().state.lock().expect("audit queue lock");
        s.pending.push((actor.clone(), e, reply));
        !std::mem::replace(&mut s.writing, true)
    };
    if start {
        let db = db.clone();
        tokio::spawn(async move { write_all(db).await });
    }
    match answer.await {
        Ok(Ok(seq)) => Ok(seq),
        Ok(Err(msg)) => Err(sqlx::Error::Protocol(msg)),
        Err(_) => Err(sqlx::Error::Protocol("the audit writer stopped".into())),
    }
}

/// Writes batches until none is waiting.
async fn write_all(db: Db) {
    loop {
        let batch = {
            let mut s = db.audit_queue().state.lock().expect("audit queue lock");
            if s.pending.is_empty() {
                s.writing = false;
                return;
            }
            std::mem::take(&mut s.pending)
        };
        let result = write(&db, &batch).await;
        for (i, (_, _, reply)) in batch.into_iter().enumerate() {
            let _ = reply.send(match &result {
                Ok(seqs) => Ok(seqs[i]),
                Err(e) => Err(e.to_string()),
            });
        }
    }
}

async fn write(db: &Db, batch: &[(Actor, Entry, Reply)]) -> Result<Vec<i64>, sqlx::Error> {
    let mut tx = db.begin().await?;
    let mut seqs = Vec::with_capacity(batch.len());
    for (actor, e, _) in batch {
        seqs.push(super::record(&mut tx, actor, e.clone()).await?);
    }
    tx.commit().await?;
    Ok(seqs)
}
