//! rocust's engine, free of network code: the user model, wait times, tags,
//! events, statistics, the dispatcher, the runner and load shapes.

pub mod dispatch;
pub mod env;
pub mod events;
pub mod exec;
pub mod runner;
pub mod shape;
pub mod stats;
pub mod timespan;
pub mod user;
pub mod wait_time;
