//! What every command prints the same way: JSON documents on stdout and byte sizes.

use crate::error::{Error, Result};
pub use crate::shown::human_bytes;

/// Prints `value` as one pretty JSON document on stdout (the contract's `--json`).
pub fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Other(format!("cannot write the JSON output: {e}")))?;
    println!("{text}");
    Ok(())
}

/// The word a unit enum serializes as (`install`, `x64`, `block`).
pub fn word(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(13_421_772_800), "12.5 GiB");
    }
}
