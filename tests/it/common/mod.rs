//! Helpers shared by the integration tests.

// Each test binary uses only some of these helpers.
#![allow(dead_code)]

pub mod bundle;
pub mod faults;
pub mod generated;
pub mod history;
pub mod http;
pub mod online;
pub mod runner;
pub mod terminal;
pub mod windows;
