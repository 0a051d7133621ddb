//! Integration tests: the real router on real SQLite files and (with ZIZHI_TEST_POSTGRES) a real
//! PostgreSQL, one fresh database per test.

pub mod client;
pub mod harness;
mod masking;

mod admissions;
mod appraisal;
mod assessment;
mod audit;
mod audit_sweep;
mod auth;
mod authz;
mod bodies;
pub mod browser;
mod campaigns;
mod case_journey;
mod case_pages;
mod cases;
mod cli;
mod council_journey;
mod daily;
mod daily_journey;
mod disclosure;
mod disclosure_journey;
mod elections;
mod errors;
mod faults;
mod fuzz;
mod group_commit;
mod import;
mod import_web;
mod ledgers;
mod me;
mod meetings;
mod open311;
mod open311_keys;
mod pages;
mod passwords;
mod photos;
mod policy;
mod registry;
mod rights;
mod rights_journey;
mod rules;
mod schema;
mod street_journey;
mod supervision;
