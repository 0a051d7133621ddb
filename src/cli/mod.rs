//! The command line: `zizhi serve|migrate|demo|user|import|calendar|verify|backup|restore`.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

mod backup;
mod chains;
mod database;
mod import;
mod serve;
mod user;

use crate::auth::Scope;
use crate::demo;
use crate::platform::config::{Config, Flags};
use crate::platform::db::Db;

#[derive(Parser)]
#[command(
    name = "zizhi",
    version,
    about = "zizhi 自治 — residents' self-governance for communities and street offices"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives; every subcommand that touches data takes these.
#[derive(Args, Clone, Debug, Default)]
pub struct DbArgs {
    /// Data folder: holds zizhi.db (SQLite) and zizhi.toml. Default ./zizhi-data.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// A database URL (postgres://… or sqlite://…) instead of the data folder's SQLite file.
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the web server.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on. Default 127.0.0.1:8080.
        #[arg(long)]
        addr: Option<String>,
        /// Load the demo street into an empty database first and print the demo accounts.
        #[arg(long)]
        demo: bool,
        /// Share the address with other zizhi processes on this machine (SO_REUSEPORT): the
        /// kernel spreads connections among them. PostgreSQL only; on SQLite one process owns
        /// the database file.
        #[arg(long)]
        reuse_port: bool,
    },
    /// Apply migrations and exit.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Load the demo street into an empty database.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        /// Seed of the generator; the same seed gives the same street.
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// `demo` (3 communities) or `street` (10 communities, 100,000 residents, 200,000 cases:
        /// the benchmark's data set).
        #[arg(long, value_enum, default_value_t = demo::Scale::Demo)]
        scale: demo::Scale,
    },
    /// Manage accounts and their role grants.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import households and residents of one community from an xlsx or CSV ledger: a dry run
    /// that lists every error by row and column, unless --commit is given.
    Import {
        /// The spreadsheet (columns 小区 楼栋 单元 门牌号 姓名 身份证号 [手机号 民族 政治面貌 迁入日期 户标记]).
        file: PathBuf,
        /// The community the rows belong to.
        #[arg(long)]
        community: i64,
        /// Write the rows (all or nothing). Without it, nothing is written.
        #[arg(long)]
        commit: bool,
        /// Create the buildings rows name in a known compound that are not registered yet (a
        /// new compound's, typically). Without it, such a row is an error.
        #[arg(long)]
        create_buildings: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Working days by the official holiday calendar (with the data folder's holidays.toml).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Check the database: SQLite's integrity check, the audit log's and the publication
    /// chain's hashes and seals, the records they attest (notices, objections, attachment
    /// files, tallies, case replies); exits non-zero naming every problem.
    Verify {
        /// Also hold the database against a checkpoint taken earlier (zizhi checkpoint).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Seal a database that carries no seals (one from before seals, kept under a chain key
    /// given in ZIZHI_CHAIN_KEY): your word that it is as zizhi left it. Its chains must hold.
    Seal {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print (or write to --out) a checkpoint: where both chains stand now, signed with the
    /// chain key. Keep it away from the database; zizhi verify --checkpoint holds it.
    Checkpoint {
        /// The new file; it must not exist.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Write a consistent copy of the SQLite database to DEST while zizhi keeps serving, and
    /// verify it. (PostgreSQL: pg_dump, see docs/operations.md.)
    Backup {
        /// The new file, e.g. /backup/zizhi-2026-11-29.db. It must not exist.
        dest: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Put a backup in place of the data folder's database (zizhi must be stopped). The backup
    /// is verified first; the current database is kept beside it as zizhi.db.before-restore-….
    Restore {
        /// The backup file.
        from: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
pub enum CalendarCommand {
    /// Print the date N working days after DATE (ISO, the last token on the line).
    Add {
        /// YYYY-MM-DD.
        date: String,
        n: u32,
        /// Data folder whose holidays.toml extends the shipped calendar.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Check a holiday calendar file (default: the shipped one and the data folder's).
    Check {
        file: Option<PathBuf>,
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password comes from --password or the first line of standard input.
    Add {
        username: String,
        /// The name shown to others, e.g. 王秀英.
        #[arg(long)]
        name: String,
        #[arg(long)]
        password: Option<String>,
        /// The resident record this account belongs to.
        #[arg(long)]
        resident: Option<i64>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Set a new password (ends the account's sessions and tokens).
    Passwd {
        username: String,
        #[arg(long)]
        password: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Grant a role over a street, community or building, for a term.
    Grant {
        username: String,
        /// resident, building_leader, council_member, supervisor, community_worker,
        /// community_head, street_officer, auditor or sysadmin.
        role: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// First day of the term (YYYY-MM-DD). Default today.
        #[arg(long)]
        from: Option<String>,
        /// Last day of the term (YYYY-MM-DD). Default open-ended.
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Turn two-factor login (TOTP) on for an account: prints the secret and the otpauth://
    /// address for an authenticator app. Again to replace a lost secret; --off to turn it off.
    Totp {
        username: String,
        #[arg(long)]
        off: bool,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a role (over one scope, or everywhere).
    Revoke {
        username: String,
        role: String,
        #[command(flatten)]
        scope: ScopeArgs,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Args, Clone, Debug, Default)]
#[group(multiple = false)]
pub struct ScopeArgs {
    #[arg(long)]
    pub street: Option<i64>,
    #[arg(long)]
    pub community: Option<i64>,
    #[arg(long)]
    pub building: Option<i64>,
}

impl ScopeArgs {
    pub(crate) fn scope(&self) -> Option<Scope> {
        Scope::from_columns(self.street, self.community, self.building)
    }
}

pub(crate) fn config(db: &DbArgs, addr: Option<String>) -> anyhow::Result<Config> {
    let flags = Flags {
        addr,
        data_dir: db.data.clone(),
        database_url: db.database_url.clone(),
    };
    Config::load(&flags, |k| std::env::var(k).ok())
}

pub(crate) async fn open(db: &DbArgs) -> anyhow::Result<(Config, Db)> {
    let c = config(db, None)?;
    let d = database::open_db(&c).await?;
    Ok((c, d))
}

pub(crate) fn password_arg(p: Option<String>) -> anyhow::Result<String> {
    match p {
        Some(p) => Ok(p),
        None => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        }
    }
}

pub(crate) fn parse_date(s: &str, what: &str) -> anyhow::Result<jiff::civil::Date> {
    s.parse()
        .with_context(|| format!("{what} must be a date like 2026-11-26"))
}

/// A refusal from the store, as a command-line error in Chinese and English.
pub(crate) fn refused(e: crate::platform::error::AppError) -> anyhow::Error {
    use crate::platform::i18n::{Lang, tf};
    match e.cause {
        Some(c) => c,
        None => anyhow::anyhow!(
            "{} / {}",
            tf(Lang::ZhCn, e.key, &e.args),
            tf(Lang::En, e.key, &e.args)
        ),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            demo: with_demo,
            reuse_port,
        } => serve::serve(db, addr, with_demo, reuse_port).await,
        Command::Migrate { db } => {
            let (c, d) = open(&db).await?;
            println!(
                "migrations applied to {:?}",
                c.database_url
                    .as_ref()
                    .map_or_else(|| c.data_dir.display().to_string(), |u| format!("{u:?}"))
            );
            d.close().await;
            Ok(())
        }
        Command::Demo { db, seed, scale } => {
            let (_, d) = open(&db).await?;
            if demo::is_loaded(&d).await? {
                bail!("the database already holds data; the demo loads only into an empty one");
            }
            let started = std::time::Instant::now();
            let s = demo::load_scaled(&d, seed, scale).await?;
            println!(
                "demo loaded in {:.1} s: {s:?}",
                started.elapsed().as_secs_f64()
            );
            print_accounts();
            d.close().await;
            Ok(())
        }
        Command::User { command } => user::run(command).await,
        Command::Calendar { command } => calendar(command),
        Command::Import {
            file,
            community,
            commit,
            create_buildings,
            db,
        } => import::run(&file, community, commit, create_buildings, &db).await,
        Command::Verify { checkpoint, db } => chains::verify(&db, checkpoint.as_deref()).await,
        Command::Seal { db } => chains::seal(&db).await,
        Command::Checkpoint { out, db } => chains::checkpoint(&db, out.as_deref()).await,
        Command::Backup { dest, db } => backup::backup(&db, &dest).await,
        Command::Restore { from, db } => backup::restore(&db, &from).await,
    }
}

fn calendar(command: CalendarCommand) -> anyhow::Result<()> {
    use crate::platform::calendar::Calendar;
    let holidays = |data: Option<PathBuf>| {
        config(
            &DbArgs {
                data,
                database_url: None,
            },
            None,
        )
        .map(|c| c.data_dir.join("holidays.toml"))
    };
    match command {
        CalendarCommand::Add { date, n, data } => {
            let from = parse_date(&date, "DATE")?;
            let cal = Calendar::with_file(&holidays(data)?)?;
            let to = cal.add_working_days(from, n);
            if let Some(year) = cal.uncovered_between(from, to) {
                eprintln!(
                    "note: the holiday calendar does not cover {year}; there only weekends and the \
                     holidays fixed by date in law (1 Jan, 1–2 May, 1–3 Oct) were skipped, so this is an estimate"
                );
            }
            println!("{n} working days after {from}: {to}");
        }
        CalendarCommand::Check { file, data } => {
            let path = match file {
                Some(f) => f,
                None => {
                    let cal = Calendar::with_file(&holidays(data)?)?;
                    let years: Vec<String> = cal.years().iter().map(i16::to_string).collect();
                    println!("calendar ok; covers {}", years.join(", "));
                    let today = crate::platform::time::today();
                    let next = today.year() + 1;
                    if !cal.covers(next) {
                        println!(
                            "warning: {next} is not covered: add the State Council's announcement for {next} \
                             to holidays.toml in the data folder"
                        );
                    }
                    return Ok(());
                }
            };
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            match Calendar::check(&text) {
                Ok(cal) => {
                    let years: Vec<String> = cal.years().iter().map(i16::to_string).collect();
                    println!("{} ok; covers {}", path.display(), years.join(", "));
                }
                Err(problems) => {
                    for p in &problems {
                        eprintln!("{}: {p}", path.display());
                    }
                    bail!("{} problem(s) in {}", problems.len(), path.display());
                }
            }
        }
    }
    Ok(())
}

pub(crate) fn print_accounts() {
    println!("demo accounts (password {}):", demo::DEMO_PASSWORD);
    for (user, name, role) in demo::ACCOUNTS {
        println!("  {user:<11} {role:<17} {name}");
    }
    println!("Open311 API key (community 1): {}", demo::DEMO_OPEN311_KEY);
}
