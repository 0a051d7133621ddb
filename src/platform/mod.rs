//! The shared kernel: the application state, storage, errors, language, time, what people
//! type, background jobs and the web shell. It imports no area: areas build on it.
mod app_state;
pub mod calendar;
pub mod chain_key;
pub mod config;
pub mod conn;
pub mod db;
pub mod error;
pub mod extract;
pub mod filter;
pub mod flash;
pub mod forms;
pub mod group_commit;
pub mod i18n;
pub mod inline;
pub mod input;
pub mod jobs;
pub mod openapi;
pub mod pii;
pub mod reader;
pub mod sheets;
pub mod sqlite_ops;
pub mod state;
pub mod time;
pub mod web;

pub use app_state::AppState;
