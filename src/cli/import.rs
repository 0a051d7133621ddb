//! `zizhi import FILE --community N [--commit] [--create-buildings]`, with a progress bar.

use std::path::Path;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};

use super::{DbArgs, open};
use crate::audit::{self, Actor, Entry};
use crate::platform::i18n::Lang;
use crate::registry::{import, places};

pub async fn run(
    file: &Path,
    community: i64,
    commit: bool,
    create_buildings: bool,
    db: &DbArgs,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let (_, d) = open(db).await?;
    let place = places::place_of_community(d.read(), community)
        .await?
        .with_context(|| format!("no community {community}"))?;
    let table = import::read_table(&bytes).map_err(super::refused)?;
    let started = std::time::Instant::now();
    let plan = import::plan(d.read(), community, &table, Lang::ZhCn, create_buildings)
        .await
        .map_err(super::refused)?;
    let r = &plan.report;
    if !r.buildings_new.is_empty() {
        println!("新建楼栋 new buildings: {}", r.buildings_new.join("、"));
    }
    println!(
        "{} 行：新增 {} 户、{} 人，更新 {} 人，未变 {} 人，错误 {} 处（检查用时 {:.1} 秒）",
        r.rows,
        r.households_new,
        r.residents_new,
        r.residents_updated,
        r.unchanged,
        r.error_count,
        started.elapsed().as_secs_f64()
    );
    for e in &r.errors {
        println!("  第 {} 行 [{}] {}", e.row, e.column, e.message);
    }
    if r.error_count > r.errors.len() {
        println!("  ……另有 {} 处错误未列出", r.error_count - r.errors.len());
    }
    if r.error_count > 0 {
        d.close().await;
        bail!(
            "表格中有 {} 处错误，未导入 / {} errors: nothing imported",
            r.error_count,
            r.error_count
        );
    }
    if !commit {
        println!(
            "这是试运行，未写入任何数据；确认无误后加 --commit 导入。 (dry run: add --commit to import)"
        );
        d.close().await;
        return Ok(());
    }
    let total = (r.residents_new + r.residents_updated) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = std::time::Instant::now();
    let mut tx = d.begin().await?;
    import::commit(&mut tx, &plan, &Actor::operator().name, &|n| {
        bar.set_position(n as u64)
    })
    .await
    .map_err(super::refused)?;
    audit::record(
        &mut tx,
        &Actor::operator(),
        Entry::new("registry.import", "community", community)
            .at(place)
            .detail(format!(
                "{}: {} new buildings, {} new households, {} new residents, {} updated",
                file.display(),
                r.buildings_new.len(),
                r.households_new,
                r.residents_new,
                r.residents_updated
            )),
    )
    .await?;
    tx.commit().await?;
    d.analyze(crate::registry::residents::BULK_TABLES).await?;
    bar.finish();
    println!(
        "已导入 imported in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    d.close().await;
    Ok(())
}
