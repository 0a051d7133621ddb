//! `zizhi backup`, `zizhi restore` and `zizhi verify`: an online, consistent copy of the SQLite
//! database, checked before it is trusted; putting one back; and the checks themselves
//! (SQLite's integrity check, the audit chain, the publication chain).
//!
//! On PostgreSQL the database server owns backups: `pg_dump -Fc` and `pg_restore`, then
//! `zizhi verify` (docs/operations.md).

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sqlx::Row;

use super::{DbArgs, config};
use crate::audit::{checkpoint::Checkpoint, integrity};
use crate::platform::config::Config;
use crate::platform::db::{Backend, Db, sqlite_url};

const PG_GUIDANCE: &str = "on PostgreSQL, back up with the server's own tools: \
    pg_dump -Fc -f zizhi.dump DATABASE_URL, and restore with \
    pg_restore --clean --if-exists -d DATABASE_URL zizhi.dump, then run zizhi verify";

/// The lock a running `zizhi serve` holds on its SQLite data folder; `restore` needs it too.
pub(crate) fn lock_data_dir(data_dir: &Path) -> anyhow::Result<File> {
    crate::platform::db::create_data_dir(data_dir)?;
    let path = data_dir.join("zizhi.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "数据目录正被另一个 zizhi 进程使用 another zizhi process is using {} (stop zizhi serve first)",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// The configuration and the data folder's SQLite file that backup and restore work on.
fn sqlite_target(db_args: &DbArgs) -> anyhow::Result<(Config, PathBuf)> {
    let c = config(db_args, None)?;
    if c.on_postgres() {
        bail!("{PG_GUIDANCE}");
    }
    if c.database_url.is_some() {
        bail!(
            "backup and restore work on the data folder's zizhi.db; use --data, not --database-url"
        );
    }
    let file = c.data_dir.join("zizhi.db");
    // The copy is verified with the chain key, as the running server seals.
    let (key, _) = crate::platform::chain_key::load(&c)?;
    crate::platform::chain_key::install(key)?;
    Ok((c, file))
}

/// What `verify` found: one line per check; an error listing every problem if any.
/// `files` is the data folder whose attachment files are checked; `checkpoint` one to hold
/// the database against.
pub(crate) async fn verify(
    db: &Db,
    files: Option<&Path>,
    checkpoint: Option<&Checkpoint>,
) -> anyhow::Result<String> {
    let mut lines = Vec::new();
    if db.backend() == Backend::Sqlite {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(db.read())
            .await?;
        let found: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        if found != ["ok"] {
            bail!(
                "SQLite 完整性检查失败 integrity check failed: {}",
                found.join("; ")
            );
        }
        lines.push("SQLite 完整性检查通过 integrity check ok".to_owned());
    }
    let mut conn = db.read().acquire().await?;
    let integrity::Report {
        lines: found,
        problems,
    } = integrity::report(&mut conn, files, checkpoint).await?;
    lines.extend(found);
    drop(conn);
    if !problems.is_empty() {
        bail!(
            "发现 {} 处问题 {} problem(s) found:\n{}\n{}",
            problems.len(),
            problems.len(),
            problems.join("\n"),
            lines.join("\n")
        );
    }
    Ok(lines.join("\n"))
}

/// Opens a SQLite file as it is (no migrations), runs `verify`, closes it.
async fn verify_file(path: &Path) -> anyhow::Result<String> {
    let db = Db::connect(&sqlite_url(path).replace("mode=rwc", "mode=rw")).await?;
    let result = verify(&db, None, None).await;
    db.close().await;
    // Closing checkpointed the WAL; an empty WAL and the shared-memory index are not part of
    // the file set and must not travel with it.
    let wal = with_suffix(path, "-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() == 0) {
        std::fs::remove_file(&wal)?;
    }
    let shm = with_suffix(path, "-shm");
    if shm.exists() && !wal.exists() {
        std::fs::remove_file(&shm)?;
    }
    result
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot sync {}", path.display()))
}

fn sync_dir(dir: &Path) {
    // Makes the rename durable; some filesystems cannot sync a folder, which is not fatal.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `zizhi backup DEST`: a consistent copy while zizhi keeps serving (`VACUUM INTO` reads one
/// snapshot; writers go on), synced to disk, then verified.
pub(crate) async fn backup(db_args: &DbArgs, dest: &Path) -> anyhow::Result<()> {
    let (_, src) = sqlite_target(db_args)?;
    if !src.exists() {
        bail!("no database at {}", src.display());
    }
    if dest.exists() {
        bail!(
            "{} 已存在 already exists; choose a new file name",
            dest.display()
        );
    }
    let started = std::time::Instant::now();
    let db = Db::connect(&sqlite_url(&src).replace("mode=rwc", "mode=rw")).await?;
    let copied = db.vacuum_into(dest).await;
    db.close().await;
    if let Err(e) = copied {
        let _ = std::fs::remove_file(dest);
        return Err(e);
    }
    sync_file(dest)?;
    if let Some(dir) = dest.parent() {
        sync_dir(dir);
    }
    let copied_in = started.elapsed();
    let checks = verify_file(dest).await.with_context(|| {
        format!(
            "the copy {} failed verification; do not rely on it",
            dest.display()
        )
    })?;
    let size = std::fs::metadata(dest)?.len();
    println!(
        "备份完成 backup written to {} ({:.1} MiB) in {:.1} s, verified in {:.1} s\n{checks}",
        dest.display(),
        size as f64 / (1024.0 * 1024.0),
        copied_in.as_secs_f64(),
        (started.elapsed() - copied_in).as_secs_f64()
    );
    Ok(())
}

/// `zizhi restore SRC`: verifies the backup, sets the current database aside
/// (`zizhi.db.before-restore-…`) and puts the backup in its place. zizhi must be stopped.
pub(crate) async fn restore(db_args: &DbArgs, from: &Path) -> anyhow::Result<()> {
    let (c, target) = sqlite_target(db_args)?;
    if !from.is_file() {
        bail!("no backup file at {}", from.display());
    }
    let _lock = lock_data_dir(&c.data_dir)?;
    let started = std::time::Instant::now();
    let staging = c.data_dir.join("zizhi.db.restoring");
    remove_with_sidecars(&staging)?;
    std::fs::copy(from, &staging)
        .with_context(|| format!("cannot copy {} into the data folder", from.display()))?;
    sync_file(&staging)?;
    let checks = match verify_file(&staging).await {
        Ok(c) => c,
        Err(e) => {
            remove_with_sidecars(&staging)?;
            return Err(e.context(format!(
                "{} failed verification; nothing was changed",
                from.display()
            )));
        }
    };
    let mut kept = None;
    if target.exists() {
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        let aside = c.data_dir.join(format!("zizhi.db.before-restore-{stamp}"));
        // A clean shutdown leaves no WAL; a crash may, and it belongs with the file set aside.
        for suffix in ["", "-wal", "-shm"] {
            let from = with_suffix(&target, suffix);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, suffix))?;
            }
        }
        kept = Some(aside);
    }
    std::fs::rename(&staging, &target)?;
    sync_dir(&c.data_dir);
    println!(
        "恢复完成 restored {} into {} in {:.1} s\n{checks}",
        from.display(),
        target.display(),
        started.elapsed().as_secs_f64()
    );
    if let Some(k) = kept {
        println!(
            "原数据库已保留 the previous database is kept as {}",
            k.display()
        );
    }
    Ok(())
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_with_sidecars(p: &Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let f = with_suffix(p, suffix);
        if f.exists() {
            std::fs::remove_file(&f).with_context(|| format!("cannot remove {}", f.display()))?;
        }
    }
    Ok(())
}
