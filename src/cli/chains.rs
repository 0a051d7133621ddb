//! `zizhi verify`, `zizhi seal` and `zizhi checkpoint`: the audit log's and the publication
//! chain's checks, their first sealing, and signed checkpoints (`audit::seal`,
//! `audit::checkpoint`, `audit::integrity`).

use std::path::Path;

use anyhow::{Context, bail};

use super::{DbArgs, backup, config, database, open};
use crate::audit::{checkpoint, seal};

/// Opens the database as it is (seals that do not hold included) and checks everything.
pub(crate) async fn verify(db: &DbArgs, checkpoint: Option<&Path>) -> anyhow::Result<()> {
    let c = config(db, None)?;
    let mark = checkpoint.map(checkpoint::read).transpose()?;
    let (d, _) = database::open_db_as_is(&c).await?;
    let checks = backup::verify(&d, Some(&c.data_dir), mark.as_ref()).await;
    d.close().await;
    println!("{}", checks?);
    Ok(())
}

/// The operator's word that an unsealed database is as zizhi left it.
pub(crate) async fn seal(db: &DbArgs) -> anyhow::Result<()> {
    let c = config(db, None)?;
    let (d, _) = database::open_db_as_is(&c).await?;
    let sealed = seal::seal_unsealed(&d).await;
    d.close().await;
    match sealed? {
        seal::Sealing::Sealed {
            audit,
            publications,
        } => println!("已签名 sealed {audit} audit entries and {publications} publications"),
        seal::Sealing::Holds => println!("已有签名，无需再签 the seals are there and hold"),
        seal::Sealing::Broken(why) => bail!("{why}"),
    }
    Ok(())
}

/// Prints a checkpoint, or writes it to a new file.
pub(crate) async fn checkpoint(db: &DbArgs, out: Option<&Path>) -> anyhow::Result<()> {
    let (_, d) = open(db).await?;
    let mark = checkpoint::take(&d).await;
    d.close().await;
    let text = serde_json::to_string_pretty(&mark?)?;
    match out {
        Some(path) => {
            let mut f = std::fs::File::create_new(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            std::io::Write::write_all(&mut f, format!("{text}\n").as_bytes())?;
            f.sync_all()?;
            println!("检查点已写入 checkpoint written to {}", path.display());
        }
        None => println!("{text}"),
    }
    Ok(())
}
