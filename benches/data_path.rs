//! Micro-benchmarks of the data path (issue 23, docs/architecture.md): one statement through the
//! carriers zizhi uses on SQLite — the inline reader and writer — beside sqlx's pool, the carrier
//! they replaced, on the same file with the same SQL text.
//! `cargo bench --bench data_path`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sqlx::Row;
use zizhi::platform::db::Db;

/// The demo street's core on a fresh SQLite file, as `zizhi demo` makes it.
fn street(rt: &tokio::runtime::Runtime, dir: &std::path::Path) -> Db {
    rt.block_on(async {
        let db = Db::open_sqlite_dir(dir).await.expect("open");
        db.migrate().await.expect("migrate");
        let key = zizhi::platform::chain_key::ChainKey::from_hex(
            "7a697a6869207465737420636861696e206b6579206e6f7420666f7220757365",
        )
        .unwrap();
        zizhi::platform::chain_key::install(key).expect("chain key");
        zizhi::audit::seal::on_start(&db, false)
            .await
            .expect("seal");
        zizhi::demo::load_core(&db, zizhi::demo::DEFAULT_SEED)
            .await
            .expect("demo");
        db
    })
}

/// What every signed-in request reads: a user by name with the grants in force.
const USER_WITH_GRANTS: &str = "SELECT u.id, u.username, u.display_name, g.role, g.community_id, g.building_id \
     FROM users u LEFT JOIN grants g ON g.user_id = u.id WHERE u.username = $1 ORDER BY g.id";

fn reads(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = street(&rt, dir.path());
    let one = async |inline: bool| {
        let q = sqlx::query(USER_WITH_GRANTS).bind(black_box("worker"));
        let rows = if inline {
            q.fetch_all(db.read()).await
        } else {
            q.fetch_all(db.read().pool()).await
        }
        .unwrap();
        let id: i64 = rows[0].try_get("id").unwrap();
        id
    };
    c.bench_function("read/user_with_grants/inline", |b| {
        b.iter(|| rt.block_on(one(true)))
    });
    c.bench_function("read/user_with_grants/sqlx_pool", |b| {
        b.iter(|| rt.block_on(one(false)))
    });
    let ten = async |inline: bool| {
        let q = sqlx::query("SELECT id, name, created_at FROM communities ORDER BY id LIMIT 10");
        let rows = if inline {
            q.fetch_all(db.read()).await
        } else {
            q.fetch_all(db.read().pool()).await
        }
        .unwrap();
        rows.len()
    };
    c.bench_function("read/ten_rows/inline", |b| {
        b.iter(|| rt.block_on(ten(true)))
    });
    c.bench_function("read/ten_rows/sqlx_pool", |b| {
        b.iter(|| rt.block_on(ten(false)))
    });
}

fn writes(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = street(&rt, dir.path());
    // One member of a group commit, alone: savepoint, one guarded update, release, the batch's
    // durable COMMIT (an fsync of the WAL, so this measures the disk as much as the code).
    c.bench_function("write/one_guarded_update_committed", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tx = db.begin().await.unwrap();
                let done = sqlx::query("UPDATE communities SET name = name WHERE id = $1")
                    .bind(black_box(1_i64))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                assert_eq!(done.rows_affected(), 1);
                tx.commit().await.unwrap();
            })
        })
    });
    // The statements alone, rolled back: what a member holds the writer's lock for.
    c.bench_function("write/five_statements_rolled_back", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut tx = db.begin().await.unwrap();
                for id in 1..=5_i64 {
                    sqlx::query("UPDATE communities SET name = name WHERE id = $1")
                        .bind(black_box(id))
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
                drop(tx);
            })
        })
    });
}

criterion_group!(data_path, reads, writes);
criterion_main!(data_path);
