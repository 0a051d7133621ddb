//! `zizhi serve`: the web server, alone or sharing its port with other processes.

use std::sync::Arc;

use anyhow::{Context, bail};

use super::{DbArgs, config, print_accounts};
use crate::app;
use crate::demo;
use crate::platform::AppState;

pub(crate) async fn serve(
    db: DbArgs,
    addr: Option<String>,
    with_demo: bool,
    reuse_port: bool,
) -> anyhow::Result<()> {
    let c = config(&db, addr)?;
    if reuse_port && !c.on_postgres() {
        bail!(
            "--reuse-port is for several processes on PostgreSQL; on SQLite one process owns the database file"
        );
    }
    // One process owns a SQLite data folder; `zizhi restore` waits for it to stop.
    let _lock = match c.database_url {
        None => Some(super::backup::lock_data_dir(&c.data_dir)?),
        Some(_) => None,
    };
    tracing::info!(config = ?c, "starting");
    let d = super::database::open_db(&c).await?;
    if with_demo {
        if demo::is_loaded(&d).await? {
            println!("demo: the database already holds data; using it as it is");
        } else {
            let s = demo::load(&d, demo::DEFAULT_SEED).await?;
            println!("demo loaded: {s:?}");
        }
        print_accounts();
    }
    let exempt: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE totp_exempt = 1")
        .fetch_one(d.read())
        .await?;
    if exempt > 0 {
        println!(
            "注意：{exempt} 个演示账号免两步验证；正式使用时系统管理员、审计管理员和街道干部须开通两步验证。\n\
             note: {exempt} demo account(s) are exempt from two-factor login; in production, sysadmin, auditor and street accounts must turn it on (zizhi user totp)"
        );
    }
    let listener = listen(&c.addr, reuse_port)
        .await
        .with_context(|| format!("cannot listen on {}", c.addr))?;
    let local = listener.local_addr()?;
    println!("zizhi 已启动 listening on http://{local}");
    let state = AppState::new(d, Arc::new(c));
    app::serve(state, listener).await
}

async fn listen(addr: &str, reuse_port: bool) -> anyhow::Result<tokio::net::TcpListener> {
    if !reuse_port {
        return Ok(tokio::net::TcpListener::bind(addr).await?);
    }
    let at = tokio::net::lookup_host(addr)
        .await?
        .next()
        .context("the address names no host")?;
    let socket = if at.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_reuseport(true)?;
    socket.bind(at)?;
    Ok(socket.listen(1024)?)
}
