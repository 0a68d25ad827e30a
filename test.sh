#!/usr/bin/env bash
# The tests: builds the two Windows binaries the Wine tests run (the offline
# runner, with the `runner` profile bundles embed, and airlock with default
# features), then every test of the workspace in release mode. Extra
# arguments go to each cargo command (.ci/run passes --locked).
set -euo pipefail
cd "$(dirname "$0")"
cargo build --profile runner "$@" --target x86_64-pc-windows-gnu --no-default-features
cargo build --release "$@" --target x86_64-pc-windows-gnu --target-dir target/windows-builder
cargo test --workspace --release "$@"
