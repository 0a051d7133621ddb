//! zizhi (自治): residents' self-governance for an urban residents' committee and its street
//! office. Code is arranged by the domain areas of DESIGN.md; `platform` is the shared kernel.

pub mod admissions;
pub mod agreements;
pub mod app;
pub mod assessment;
pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod cases;
pub mod cli;
pub mod council;
pub mod daily;
pub mod demo;
pub mod disclosure;
pub mod home;
pub mod open311;
pub mod platform;
pub mod registry;
pub mod rules;
pub mod supervision;
