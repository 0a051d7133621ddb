//! Opening the database for a command: the chain key installed, migrations applied, the
//! durability settings and the chains' seals checked.

use crate::audit::seal::Sealing;
use crate::platform::config::Config;
use crate::platform::db::Db;

/// Opens the database, applies migrations, checks durability settings and the chains' seals
/// (refusing a database whose seals do not hold).
pub async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let (db, sealing) = open_db_as_is(config).await?;
    if let Sealing::Broken(why) = sealing {
        db.close().await;
        anyhow::bail!("{why}; zizhi verify 查明 says where");
    }
    Ok(db)
}

/// As `open_db`, but a database whose seals do not hold is opened too (for `zizhi verify`).
pub async fn open_db_as_is(config: &Config) -> anyhow::Result<(Db, Sealing)> {
    let (key, created) = crate::platform::chain_key::load(config)?;
    crate::platform::chain_key::install(key)?;
    let db = match &config.database_url {
        Some(url) => Db::connect(url.expose()).await?,
        None => Db::open_sqlite_dir(config.data_dir()).await?,
    };
    if let Some(level) = &config.sqlite_synchronous {
        db.set_synchronous(&level.to_ascii_lowercase()).await?;
    }
    db.check_durability(config.unsafe_durability).await?;
    db.migrate().await?;
    let sealing = crate::audit::seal::on_start(&db, created).await?;
    if let Sealing::Sealed {
        audit,
        publications,
    } = sealing
        && audit + publications > 0
    {
        tracing::info!(
            audit,
            publications,
            created,
            "sealed the chains with the chain key"
        );
    }
    if !matches!(sealing, Sealing::Broken(_)) {
        crate::auth::totp::encrypt_stored(&db).await?;
    }
    Ok((db, sealing))
}
