//! The routes, by area.

pub mod catalog;
pub mod health;
pub mod streaming;
