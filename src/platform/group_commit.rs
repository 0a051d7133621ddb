//! Group commit on SQLite: concurrent writing requests share one transaction, and so one fsync.
//!
//! SQLite has one writer. zizhi keeps one writing connection behind a fair (FIFO) lock. A request's
//! transaction (`Tx`) is a savepoint inside the connection's open transaction: it takes the lock,
//! runs its statements, releases its savepoint and gives the lock to the next request in line.
//! The last request of a burst — the one that finds nobody waiting, or the 64th — commits the
//! whole batch; every member's `commit()` returns only once that commit is durable
//! (WAL, `synchronous=FULL`). A request that fails or is dropped rolls back to its own savepoint;
//! the others are untouched. A failed commit fails every member of its batch, so nothing is
//! acknowledged that is not on disk. The audit entry and the hash chains are written through the
//! same `Tx` as the change they record, so they are in the same commit.
//!
//! Readers use their own connections and never take this lock (WAL: reads never wait for writes).
//! They see a batch when it is committed, which is before any of its members answers.
//!
//! The writing connection is SQLite's own, run inline (`platform::conn`): a member's statements,
//! the savepoints and the commit run on the thread of the request holding the lock, with no
//! round trip to a connection thread. A second connection, sqlx's, is kept for what needs sqlx
//! itself (migrations) and is used only under the lock with no batch open.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::{AnyConnection, Connection};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::conn::Conn;

/// At most this many requests share one commit, so that a steady stream still commits.
const MAX_BATCH: usize = 64;

/// How long a request waits for its turn to write.
const LOCK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

type Member = oneshot::Sender<Result<(), String>>;

/// The writing connection and the batch open on it.
pub struct Writer {
    state: Arc<Mutex<State>>,
    /// Requests waiting for the lock; while there are some, a member leaves the commit to them.
    waiting: AtomicUsize,
}

pub struct State {
    conn: Option<Conn>,
    /// sqlx's connection to the same file, for migrations and maintenance (`exclusive`).
    admin: Option<AnyConnection>,
    /// Whether `BEGIN` has run and `COMMIT` not yet.
    open: bool,
    /// Members whose savepoint is released, waiting for the commit.
    members: Vec<Member>,
    /// A member left without committing: its savepoint is still to be rolled back.
    abandoned: bool,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("group_commit::Writer")
    }
}

impl Writer {
    pub fn new(conn: rusqlite::Connection, admin: AnyConnection) -> Arc<Writer> {
        Arc::new(Writer {
            state: Arc::new(Mutex::new(State {
                conn: Some(Conn::inline(conn)),
                admin: Some(admin),
                open: false,
                members: Vec::new(),
                abandoned: false,
            })),
            waiting: AtomicUsize::new(0),
        })
    }

    /// Takes the lock in turn, counted as waiting meanwhile. A waiter given up before its turn
    /// makes sure the batch it was expected to commit still is.
    async fn lock(self: &Arc<Self>) -> OwnedMutexGuard<State> {
        struct Waiting<'a>(&'a Arc<Writer>, bool);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.waiting.fetch_sub(1, Ordering::SeqCst);
                if !self.1 {
                    spawn_flush(self.0);
                }
            }
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut w = Waiting(self, false);
        let guard = self.state.clone().lock_owned().await;
        w.1 = true;
        guard
    }

    /// Starts a member's savepoint, opening the batch's transaction if none is open.
    pub async fn begin(self: &Arc<Self>) -> Result<SharedTx, sqlx::Error> {
        // As a pool's acquire would: a request that cannot get its turn is refused, not stuck.
        let g = tokio::time::timeout(LOCK_TIMEOUT, self.lock())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        // From here on nothing awaits until the member holds its savepoint: a request given up
        // halfway (its client gone) cannot leave a transaction the batch does not know of.
        start_member(self.clone(), g)
    }

    /// The connection alone, with no batch open (migrations, statistics, closing).
    pub async fn exclusive(self: &Arc<Self>) -> Result<OwnedMutexGuard<State>, sqlx::Error> {
        let mut g = self.lock().await;
        g.settle();
        if g.open {
            g.commit_batch();
        }
        Ok(g)
    }
}

fn start_member(
    writer: Arc<Writer>,
    mut g: OwnedMutexGuard<State>,
) -> Result<SharedTx, sqlx::Error> {
    g.settle();
    if !g.open {
        g.conn_mut().batch("BEGIN IMMEDIATE")?;
        g.open = true;
    }
    if let Err(e) = g.conn_mut().batch("SAVEPOINT member") {
        if g.members.is_empty() {
            g.rollback();
        }
        return Err(e);
    }
    Ok(SharedTx {
        guard: Some(g),
        writer,
    })
}

/// Releases a member's savepoint and joins it to the batch; commits the batch if nobody else
/// is in line to. Returns what will say whether the batch was committed.
fn finish_member(
    writer: &Arc<Writer>,
    mut g: OwnedMutexGuard<State>,
) -> Result<oneshot::Receiver<Result<(), String>>, sqlx::Error> {
    if let Err(e) = g.conn_mut().batch("RELEASE member") {
        g.abandoned = true;
        drop(g);
        spawn_flush(writer);
        return Err(store_failed("commit", e));
    }
    let (tell, told) = oneshot::channel();
    g.members.push(tell);
    if writer.waiting.load(Ordering::SeqCst) > 0 && g.members.len() < MAX_BATCH {
        // The next in line carries the batch on; the last one commits it.
        drop(g);
    } else {
        g.commit_batch();
    }
    Ok(told)
}

/// Commits what is waiting if nobody else will (a member left, or a waiter gave up).
fn spawn_flush(writer: &Arc<Writer>) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let writer = writer.clone();
    rt.spawn(async move {
        let mut g = writer.state.clone().lock_owned().await;
        g.settle();
        if g.open && writer.waiting.load(Ordering::SeqCst) == 0 {
            g.commit_batch();
        }
    });
}

impl State {
    pub fn conn_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("the writing connection is open")
    }

    /// sqlx's connection to the same file; only with no batch open (`Writer::exclusive`).
    pub fn admin_mut(&mut self) -> &mut AnyConnection {
        debug_assert!(!self.open);
        self.admin.as_mut().expect("the writing connection is open")
    }

    /// Rolls back what an abandoned member left; with no member waiting, ends the transaction.
    /// Should the member's savepoint be gone (SQLite may roll a whole transaction back on a full
    /// disk or an I/O error), the batch is refused to its members and the connection is left
    /// with no transaction: the next request starts afresh.
    fn settle(&mut self) {
        if self.abandoned {
            self.abandoned = false;
            let undone = self.conn_mut().batch("ROLLBACK TO member; RELEASE member");
            if let Err(e) = undone {
                tracing::error!(error = %e, "rolling back a failed request took its batch with it");
                self.fail_batch(&e.to_string());
            }
        }
        if self.open && self.members.is_empty() {
            self.rollback();
        }
    }

    fn rollback(&mut self) {
        // A failed ROLLBACK leaves no transaction behind either; nothing more to undo.
        let _ = self.conn_mut().batch("ROLLBACK");
        self.open = false;
    }

    /// Ends the batch with its members refused.
    fn fail_batch(&mut self, why: &str) {
        self.rollback();
        for m in self.members.drain(..) {
            let _ = m.send(Err(why.to_string()));
        }
    }

    /// Commits the batch and tells every member.
    fn commit_batch(&mut self) {
        match self.conn_mut().batch("COMMIT") {
            Ok(()) => {
                self.open = false;
                for m in self.members.drain(..) {
                    let _ = m.send(Ok(()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, members = self.members.len(), "commit failed; the batch is rolled back");
                self.fail_batch(&e.to_string())
            }
        }
    }

    /// Closes both connections (the last one checkpoints the WAL).
    pub async fn close(&mut self) {
        self.conn.take();
        if let Some(admin) = self.admin.take() {
            let _ = admin.close().await;
        }
    }
}

/// One request's share of a batch: a savepoint on the writing connection, holding the lock.
pub struct SharedTx {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Arc<Writer>,
}

impl SharedTx {
    /// Releases the savepoint and returns once the batch holding it is committed.
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        let g = self
            .guard
            .take()
            .expect("an uncommitted member holds the lock");
        // Nothing awaits until the member is in the batch: a request given up now cannot cut
        // the commit short.
        let told = finish_member(&self.writer, g)?;
        match told.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(msg)) => Err(store_failed("commit", msg)),
            Err(_) => Err(store_failed("commit", "the batch was given up")),
        }
    }
}

impl Drop for SharedTx {
    fn drop(&mut self) {
        if let Some(mut g) = self.guard.take() {
            g.abandoned = true;
            drop(g);
            spawn_flush(&self.writer);
        }
    }
}

impl Deref for SharedTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.guard
            .as_ref()
            .and_then(|g| g.conn.as_ref())
            .expect("an uncommitted member holds the connection")
    }
}

impl DerefMut for SharedTx {
    fn deref_mut(&mut self) -> &mut Conn {
        self.guard
            .as_mut()
            .expect("an uncommitted member holds the lock")
            .conn_mut()
    }
}

/// A writing transaction. On SQLite it is one member of a group commit
/// (`group_commit::SharedTx`); on PostgreSQL an ordinary transaction (the server batches fsyncs
/// itself). Either way it is the connection to run statements on; `commit()` returns once the
/// change is durable, and dropping it rolls the change back.
pub enum Tx {
    Shared(SharedTx),
    /// A PostgreSQL transaction (`Conn::transaction`).
    Own(Conn),
}

impl Tx {
    /// Returns once the change is durable. A commit that fails leaves nothing of the change and
    /// is a [`store_failed`] error (503: the client may try again).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Shared(t) => t.commit().await,
            Tx::Own(t) => t.commit().await.map_err(|e| store_failed("commit", e)),
        }
    }
}

/// The database could not record a write (its commit or its audit entry failed) and nothing of
/// it was kept. An I/O error to sqlx, so that it reaches the client as a 503 with `Retry-After`
/// (`platform::error`), not as a 500: the fault is the store's, and trying again may succeed.
pub fn store_failed(stage: &'static str, cause: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(StoreFailed {
        stage,
        cause: cause.to_string(),
    }))
}

/// What [`store_failed`] carries, so that the answer can say that nothing was saved.
#[derive(Debug)]
pub struct StoreFailed {
    pub stage: &'static str,
    pub cause: String,
}

impl std::fmt::Display for StoreFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} failed, the write was rolled back: {}",
            self.stage, self.cause
        )
    }
}

impl std::error::Error for StoreFailed {}

impl Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match self {
            Tx::Shared(t) => t,
            Tx::Own(t) => t,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        match self {
            Tx::Shared(t) => &mut *t,
            Tx::Own(t) => &mut *t,
        }
    }
}
