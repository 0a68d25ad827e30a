//! The vendor's detached listing signature: `NAME.pl.xml.sig` holds, base64 on
//! one line, the 64-byte Ed25519 signature over the exact `.pl.xml` bytes.

use super::Error;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bundle_format::keys::{PublicKey, SIGNATURE_LEN};

/// Checks `signature` (the `.sig` file's bytes, `None` when it is missing)
/// over `xml` with the vendor's key.
pub(crate) fn verify(
    source: &str,
    location: &str,
    signature: Option<&[u8]>,
    xml: &[u8],
    key: &PublicKey,
) -> Result<(), Error> {
    let refuse = |message: String| Error::Signature {
        source_name: source.to_string(),
        message,
    };
    let Some(bytes) = signature else {
        return Err(refuse(format!(
            "the vendor signature {location} is missing; a vendor key was given, so the listing must be signed"
        )));
    };
    let line = bytes
        .strip_suffix(b"\n")
        .map(|b| b.strip_suffix(b"\r").unwrap_or(b))
        .unwrap_or(bytes);
    let decoded = STANDARD.decode(line).map_err(|e| {
        refuse(format!(
            "the vendor signature {location} is not one line of base64 ({e})"
        ))
    })?;
    if decoded.len() != SIGNATURE_LEN {
        return Err(refuse(format!(
            "the vendor signature {location} holds {} bytes, not the {SIGNATURE_LEN} of an Ed25519 signature",
            decoded.len()
        )));
    }
    if !key.verify(xml, &decoded) {
        return Err(refuse(format!(
            "the vendor signature {location} does not match the listing for key {}; the listing was changed or signed by another key",
            key.fingerprint()
        )));
    }
    Ok(())
}
