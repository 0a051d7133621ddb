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
