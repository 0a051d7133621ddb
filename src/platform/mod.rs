//! The shared kernel: storage, errors, language, time and the web shell.
pub mod calendar;
pub mod chain_key;
pub mod db;
pub mod error;
pub mod extract;
pub mod group_commit;
pub mod i18n;
pub mod pii;
pub mod sheets;
pub mod sqlite_ops;
pub mod state;
pub mod time;
pub mod web;
