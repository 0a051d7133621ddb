//! Audit coverage (issue 10, item 5), checked on every request the whole suite makes, through
//! the test client:
//! - a write that succeeds leaves at least one audit entry, and never two for the same action
//!   on the same object (a request that also files cases, say, has one entry per record);
//! - a read of sensitive personal data (`?reveal=`, a resident's export) leaves exactly one
//!   entry, marked sensitive;
//! - any other read leaves at most one.
//!
//! Requests that overlap another request of the same test are not checked: their entries cannot
//! be told apart. Imports are not either: the request starts a job, whose entry
//! (`registry.import`) is written when it ends (`import::` checks it). With
//! `ZIZHI_AUDIT_SWEEP_LOG=FILE`, each checked request is appended to FILE, for the count.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode};
use sqlx::Row;

use crate::harness::TestApp;

/// Reads of sensitive personal data by what they read (issue 18 item 7): family-planning and
/// other agreements with their breaches, health services and deliveries, aid plans, visits and
/// notebooks.
const SENSITIVE_READS: &[&str] = &[
    "/api/v1/agreements",
    "/api/v1/services",
    "/api/v1/aid-plans",
    "/api/v1/visits",
    "/api/v1/notebooks",
    "/api/v1/ledgers/residents-import",
];

#[derive(Default)]
pub struct Counters {
    inflight: AtomicUsize,
    started: AtomicUsize,
}

pub struct Watch {
    /// The chain's head before the request, if it ran alone.
    seq: i64,
    ticket: usize,
    alone: bool,
}

async fn head(app: &TestApp) -> i64 {
    app.count("SELECT seq FROM audit_head WHERE id = 1").await
}

impl Watch {
    pub async fn start(app: &TestApp) -> Watch {
        let c = &app.audit_counters;
        let alone = c.inflight.fetch_add(1, Ordering::SeqCst) == 0;
        let ticket = c.started.fetch_add(1, Ordering::SeqCst);
        let seq = if alone { head(app).await } else { 0 };
        Watch { seq, ticket, alone }
    }

    pub async fn finish(
        self,
        app: &TestApp,
        method: &Method,
        path: &str,
        status: StatusCode,
        location: Option<&str>,
    ) {
        let c = &app.audit_counters;
        let alone = self.alone && c.started.load(Ordering::SeqCst) == self.ticket + 1;
        let entries = if alone {
            sqlx::query("SELECT action, object_type, object_id, sensitive FROM audit_log WHERE seq > $1 ORDER BY seq")
                .bind(self.seq)
                .fetch_all(app.db.read())
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.try_get::<String, _>(0).unwrap(),
                        r.try_get::<String, _>(1).unwrap(),
                        r.try_get::<String, _>(2).unwrap(),
                        r.try_get::<i64, _>(3).unwrap() != 0,
                    )
                })
                .collect::<Vec<_>>()
        } else {
            Vec::new()
        };
        c.inflight.fetch_sub(1, Ordering::SeqCst);
        let answered = status.is_success()
            || (status.is_redirection() && !location.is_some_and(|l| l.starts_with("/login")));
        let import = path.starts_with("/api/v1/imports") || path.starts_with("/import");
        if !alone || !answered || import {
            return;
        }
        let sensitive = path.contains("reveal=")
            || path.ends_with("/me/export")
            || SENSITIVE_READS.iter().any(|p| path.starts_with(p))
                && !path.starts_with("/api/v1/visits/coverage");
        // A CORS preflight (OPTIONS) asks what is allowed and changes nothing.
        let write = *method != Method::GET && *method != Method::HEAD && *method != Method::OPTIONS;
        let kind = if write {
            "write"
        } else if sensitive {
            "sensitive read"
        } else {
            "read"
        };
        if let Ok(log) = std::env::var("ZIZHI_AUDIT_SWEEP_LOG") {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            writeln!(f, "{kind}\t{}\t{method} {path}", entries.len()).unwrap();
        }
        let what = format!("{method} {path} ({status}): {entries:?}");
        if write {
            assert!(!entries.is_empty(), "a write with no audit entry: {what}");
            let mut keys: Vec<_> = entries.iter().map(|(a, t, o, _)| (a, t, o)).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), entries.len(), "one write audited twice: {what}");
        } else if sensitive {
            assert!(
                entries.len() == 1 && entries[0].3,
                "a sensitive read needs exactly one sensitive entry: {what}"
            );
        } else {
            assert!(entries.len() <= 1, "a read audited twice: {what}");
        }
    }
}
