//! Arbitrary bytes as a manifest: parsing and validation must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bundle_format::Manifest::parse(data);
});
