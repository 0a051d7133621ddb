//! `zizhi user add|passwd|grant|revoke`: accounts from the command line, audited as the operator.

use anyhow::{Context, bail};

use super::{UserCommand, open, parse_date, password_arg, refused};
use crate::audit::{self, Actor, Entry};
use crate::auth::{Role, store};

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::operator();
    match command {
        UserCommand::Add {
            username,
            name,
            password,
            resident,
            db,
        } => {
            let password = password_arg(password)?;
            let (c, d) = open(&db).await?;
            let mut tx = d.begin().await?;
            let id = store::create_user(
                &mut tx,
                store::NewUser {
                    username: &username,
                    display_name: &name,
                    password: &password,
                    resident_id: resident,
                },
                c.password_profile,
            )
            .await
            .map_err(refused)?;
            audit::record(
                &mut tx,
                &actor,
                Entry::new("account.create", "account", &username),
            )
            .await?;
            tx.commit().await?;
            println!("account {username} created (id {id})");
        }
        UserCommand::Passwd {
            username,
            password,
            db,
        } => {
            let password = password_arg(password)?;
            let (c, d) = open(&db).await?;
            let mut tx = d.begin().await?;
            let u = store::find_by_username_tx(&mut tx, &username)
                .await?
                .with_context(|| format!("no account {username}"))?;
            store::set_password(&mut tx, &u, &password, c.password_profile)
                .await
                .map_err(refused)?;
            audit::record(
                &mut tx,
                &actor,
                Entry::new("account.password", "account", &username),
            )
            .await?;
            tx.commit().await?;
            println!("password of {username} changed; its sessions and tokens are ended");
        }
        UserCommand::Grant {
            username,
            role,
            scope,
            from,
            to,
            db,
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let scope = scope
                .scope()
                .context("give one of --street, --community or --building")?;
            let from = from
                .as_deref()
                .map(|s| parse_date(s, "--from"))
                .transpose()?
                .unwrap_or_else(crate::platform::time::today);
            let to = to.as_deref().map(|s| parse_date(s, "--to")).transpose()?;
            let (_, d) = open(&db).await?;
            let mut tx = d.begin().await?;
            let u = store::find_by_username_tx(&mut tx, &username)
                .await?
                .with_context(|| format!("no account {username}"))?;
            store::add_grant(&mut tx, u.id, role, scope, from, to)
                .await
                .map_err(refused)?;
            audit::record(
                &mut tx,
                &actor,
                Entry::new("account.grant", "account", &username)
                    .at(scope.place())
                    .detail(role.as_str()),
            )
            .await?;
            tx.commit().await?;
            println!(
                "{username} is now {} over {scope:?} from {from}",
                role.as_str()
            );
        }
        UserCommand::Totp { username, off, db } => {
            let (_, d) = open(&db).await?;
            let mut tx = d.begin().await?;
            let u = store::find_by_username_tx(&mut tx, &username)
                .await?
                .with_context(|| format!("no account {username}"))?;
            let secret = (!off).then(crate::auth::totp::new_secret);
            let stored = secret
                .as_deref()
                .map(crate::auth::totp::seal_secret)
                .transpose()?;
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
                .bind(stored)
                .bind(u.id)
                .execute(&mut *tx)
                .await?;
            let action = if off {
                "account.totp_off"
            } else {
                "account.totp_on"
            };
            audit::record(&mut tx, &actor, Entry::new(action, "account", &username)).await?;
            tx.commit().await?;
            match secret {
                Some(s) => println!(
                    "两步验证已开通 two-factor login is on for {username}\nsecret: {s}\n{}",
                    crate::auth::totp::uri(&username, &s)
                ),
                None => println!("两步验证已关闭 two-factor login is off for {username}"),
            }
        }
        UserCommand::Revoke {
            username,
            role,
            scope,
            db,
        } => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role}"))?;
            let (_, d) = open(&db).await?;
            let mut tx = d.begin().await?;
            let u = store::find_by_username_tx(&mut tx, &username)
                .await?
                .with_context(|| format!("no account {username}"))?;
            let n = store::revoke_grants(&mut tx, u.id, role, scope.scope())
                .await
                .map_err(refused)?;
            if n == 0 {
                bail!("{username} holds no such grant");
            }
            audit::record(
                &mut tx,
                &actor,
                Entry::new("account.revoke", "account", &username).detail(role.as_str()),
            )
            .await?;
            tx.commit().await?;
            println!("{n} grant(s) of {} revoked from {username}", role.as_str());
        }
    }
    Ok(())
}
