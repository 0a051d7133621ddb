//! The state every handler gets: the database, the configuration, the working-day calendar and
//! the background jobs.

use std::sync::Arc;

use super::calendar::Calendar;
use super::config::Config;
use super::db::Db;
use super::jobs::Jobs;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Work running in the background (large imports), for their progress pages.
    pub jobs: Arc<Jobs>,
    /// Working days: the shipped holidays and the data folder's holidays.toml.
    pub calendar: Arc<Calendar>,
}

impl AppState {
    pub fn new(db: Db, config: Arc<Config>) -> AppState {
        let calendar =
            Calendar::with_file(&config.data_dir.join("holidays.toml")).unwrap_or_else(|e| {
                tracing::error!(error = %e, "holidays.toml refused; using the shipped calendar");
                Calendar::builtin().clone()
            });
        AppState {
            db,
            config,
            jobs: Arc::default(),
            calendar: Arc::new(calendar),
        }
    }
}
