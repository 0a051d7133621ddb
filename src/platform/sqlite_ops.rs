//! SQLite's maintenance on the writing connection: the durability check at startup, an
//! operator's weaker `synchronous`, and the online copy `VACUUM INTO` (`zizhi backup`).

use std::path::Path;

use anyhow::{Context, bail};

use super::db::{Backend, Db};

impl Db {
    /// A consistent copy of the SQLite database into the new file `dest` (`VACUUM INTO` reads
    /// one snapshot; other processes' writers go on meanwhile).
    pub async fn vacuum_into(&self, dest: &Path) -> anyhow::Result<()> {
        anyhow::ensure!(self.backend == Backend::Sqlite, "VACUUM INTO is SQLite's");
        self.with_writer(async |conn| {
            sqlx::query("VACUUM INTO $1")
                .bind(dest.to_string_lossy().into_owned())
                .execute(&mut *conn)
                .await
                .context("VACUUM INTO failed")?;
            Ok(())
        })
        .await
    }

    /// Sets `PRAGMA synchronous` on the writing connection (`Durability::synchronous`, an
    /// operator's explicit choice; the default is FULL). SQLite only.
    pub async fn set_synchronous(&self, level: &str) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        anyhow::ensure!(
            ["off", "normal", "full", "extra"].contains(&level),
            "synchronous must be off, normal, full or extra"
        );
        self.with_inline_writer(|conn| {
            conn.batch(&format!("PRAGMA synchronous={level}"))?;
            Ok(())
        })
        .await
    }

    /// Refuses to run on SQLite unless WAL, synchronous=FULL (or EXTRA), foreign keys and
    /// secure_delete are in force on the writing connection. With `allow_weaker` (the operator's
    /// explicit opt-out, `unsafe_durability`) it logs the weaker settings and goes on.
    pub async fn check_durability(&self, allow_weaker: bool) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        // Read on the connection that acknowledges writes (group commit's).
        let (mode, sync, fk, secure) = self
            .with_inline_writer(|conn| {
                let pragma = |name: &str| conn.pragma(name);
                Ok((
                    pragma("journal_mode")?,
                    pragma("synchronous")?,
                    pragma("foreign_keys")?,
                    pragma("secure_delete")?,
                ))
            })
            .await?;
        let ok = mode.eq_ignore_ascii_case("wal")
            && (sync == "2" || sync == "3")
            && fk == "1"
            && secure == "1";
        if ok {
            return Ok(());
        }
        let found = format!(
            "journal_mode={mode}, synchronous={sync}, foreign_keys={fk}, secure_delete={secure}"
        );
        if allow_weaker {
            tracing::warn!(
                "SQLite durability weakened by the operator (unsafe_durability): {found}; \
                 acknowledged writes may be lost in a power cut"
            );
            return Ok(());
        }
        bail!(
            "SQLite 持久化设置未生效 durability settings not in force ({found}); zizhi needs \
             WAL, synchronous=FULL (2), foreign_keys=ON and secure_delete=ON. To run anyway, \
             knowing acknowledged writes may be lost, set unsafe_durability = true in zizhi.toml \
             or ZIZHI_UNSAFE_DURABILITY=1"
        );
    }
}
