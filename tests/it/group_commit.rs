//! Group commit: concurrent writers share commits, each acknowledged write is there with its
//! audit entry, and a writer that fails takes nothing of the others' with it.

use axum::http::StatusCode;
use zizhi::audit::{Actor, Entry};

use crate::both;
use crate::harness::TestApp;

both!(
    a_writer_given_up_mid_batch_leaves_the_others_committed,
    |app: TestApp| async move {
        let before = app.count("SELECT COUNT(*) FROM audit_log").await;
        let writers = (0..30).map(|i| {
            let db = app.db.clone();
            async move {
                let mut tx = db.begin().await.unwrap();
                zizhi::audit::record(
                    &mut tx,
                    &Actor::operator(),
                    Entry::new("test.write", "probe", i),
                )
                .await
                .unwrap();
                // Yield while holding the turn, so that the others queue up behind this one.
                tokio::task::yield_now().await;
                if i % 3 == 0 {
                    drop(tx); // given up: rolled back to its own savepoint
                    false
                } else {
                    tx.commit().await.unwrap();
                    true
                }
            }
        });
        let kept = futures_util::future::join_all(writers).await;
        let committed = kept.iter().filter(|k| **k).count() as i64;
        assert_eq!(committed, 20);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log").await - before,
            committed
        );
        // Exactly the ones that committed, none of those given up.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'test.write' AND CAST(object_id AS INTEGER) % 3 = 0")
                .await,
            0
        );
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
        // The writer is free again afterwards: one more write goes through alone.
        let mut tx = app.db.begin().await.unwrap();
        zizhi::audit::record(
            &mut tx,
            &Actor::operator(),
            Entry::new("test.write", "probe", 99),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE object_id = '99'")
                .await,
            1
        );
    }
);

both!(
    concurrent_submissions_are_each_kept_with_their_audit_entry,
    |app: TestApp| async move {
        let cases_before = app.count("SELECT COUNT(*) FROM cases").await;
        let descriptions: Vec<String> = (0..40)
            .map(|i| {
                if i % 8 == 7 {
                    String::new() // refused: no description
                } else {
                    format!("并发提交第{i}件：楼道灯不亮")
                }
            })
            .collect();
        let posts = descriptions.iter().map(|d| {
            let app = &app;
            async move {
                app.post("/open311/v2/requests.json")
                    .form(&[
                        ("api_key", "demo-open311-key"),
                        ("service_code", "public_facility"),
                        ("description", d.as_str()),
                        ("address_string", "三角线小区"),
                    ])
                    .send()
                    .await
                    .status
            }
        });
        let statuses = futures_util::future::join_all(posts).await;
        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count() as i64;
        assert_eq!(created, 35, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::CREATED || *s == StatusCode::BAD_REQUEST),
            "{statuses:?}"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cases").await - cases_before,
            35
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM cases c WHERE c.description LIKE '并发提交第%' AND EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'case.submit' AND a.object_id = CAST(c.id AS TEXT))")
                .await,
            35
        );
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
    }
);

both!(
    writers_given_up_at_any_moment_leave_the_writer_sound,
    |app: TestApp| async move {
        // Clients that go away mid-request drop the request's future wherever it is: waiting
        // for its turn, opening the batch, between statements, committing. Cut writers short
        // at spread-out moments; every acknowledged one must be kept, none may be torn, and
        // the writer must go on working.
        let before = app.count("SELECT COUNT(*) FROM audit_log").await;
        let attempt = |i: u64, limit: std::time::Duration| {
            let db = app.db.clone();
            async move {
                let write = async {
                    let mut tx = db.begin().await?;
                    zizhi::audit::record(
                        &mut tx,
                        &Actor::operator(),
                        Entry::new("test.cut", "probe", i),
                    )
                    .await?;
                    tx.commit().await
                };
                matches!(tokio::time::timeout(limit, write).await, Ok(Ok(())))
            }
        };
        let mut acknowledged = 0i64;
        // One at a time, each cut a few microseconds later than the one before...
        for i in 0..200u64 {
            let limit = std::time::Duration::from_micros(i * 5);
            acknowledged += i64::from(attempt(i, limit).await);
        }
        // ...then sixty at once, cut at spread-out moments.
        let together = (200..260u64)
            .map(|i| attempt(i, std::time::Duration::from_micros(50 + (i * 37) % 900)));
        acknowledged += futures_util::future::join_all(together)
            .await
            .into_iter()
            .filter(|a| *a)
            .count() as i64;
        // Afterwards, writes go through as ever.
        for i in 0..3 {
            let mut tx = app.db.begin().await.unwrap();
            zizhi::audit::record(
                &mut tx,
                &Actor::operator(),
                Entry::new("test.after", "probe", i),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        let kept = app
            .count("SELECT COUNT(*) FROM audit_log WHERE action = 'test.cut'")
            .await;
        assert!(
            kept >= acknowledged && kept <= 260,
            "kept {kept}, acknowledged {acknowledged}"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'test.after'")
                .await,
            3
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log").await - before,
            kept + 3
        );
        let report = zizhi::audit::verify(app.db.read()).await.unwrap();
        assert_eq!(report.first_broken, None);
    }
);
