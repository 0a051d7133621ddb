//! Cases (诉求, 八必报, 巡查发现; M12, M14, M15): every request answered, every matter fed
//! back. Intake from every channel, deadlines in working days, the lifecycle, the submitter's
//! rating, public tracking, and supervision (督办) of overdue cases.

pub mod api;
pub mod config;
pub mod handle;
pub mod intake;
pub mod intake_web;
pub mod list;
pub mod model;
pub mod notify;
pub mod photos;
pub mod posters;
pub mod stats;
pub mod store;
pub mod web;
