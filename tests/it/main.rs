//! The integration tests, in one binary: each module is one area, and
//! `common` holds the helpers they share (servers, fixtures, Wine).

mod common;

mod admin_path;
mod bounded_reads;
mod build;
mod build_interrupt;
mod bundle_cli;
mod bundle_inputs;
mod bundle_tamper;
mod conventions;
mod extract_interrupt;
mod extract_lock;
mod fetch;
mod fetch_cli;
mod fixture_site;
mod history_import;
mod history_roundtrip;
mod json;
mod keygen;
mod listing_errors;
mod listing_parse;
mod listing_registry;
mod listing_sources;
mod picker;
mod plan_itms;
mod plan_scale;
mod plan_upgrade_itms;
mod prompts;
mod provenance;
mod runner_state;
mod runner_wine;
mod stdout;
mod trust;
mod windows_runner;
