//! The routes, by area.

pub mod catalog;
pub mod configurations;
pub mod downloads;
pub mod health;
pub mod jobs;
pub mod streaming;
