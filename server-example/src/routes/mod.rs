//! The routes, by area.

pub mod catalog;
pub mod health;
pub mod jobs;
pub mod streaming;
