//! The fixed-size trailer at the very end of a bundle: how it is encoded, and
//! how a reader finds it and checks that the regions it names tile the file.

use crate::error::Failure;
use crate::keys::SIGNATURE_LEN;
use crate::manifest::{FORMAT_VERSION, MAX_MANIFEST_LEN};
use sha2::{Digest, Sha256};

/// The last 8 bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"AIRLOCKB";
/// Size of the format-1 trailer in bytes.
pub const TRAILER_LEN: u64 = 112;
/// The bytes every bundle ends with, whatever its format: version (u32 LE),
/// trailer length (u32 LE), magic.
pub const TAIL_LEN: u64 = 16;

/// A span of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub offset: u64,
    pub len: u64,
}

impl Region {
    fn end(&self) -> Option<u64> {
        self.offset.checked_add(self.len)
    }
}

/// Where the parts of a bundle are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub runner: Region,
    pub manifest: Region,
    pub signature: Region,
    pub payload: Region,
}

impl Layout {
    /// The layout of a bundle with these part sizes, parts in order from offset 0
    /// (offsets saturate at `u64::MAX`: such a layout never decodes).
    pub fn contiguous(runner: u64, manifest: u64, payload: u64) -> Layout {
        let runner = Region {
            offset: 0,
            len: runner,
        };
        let manifest = Region {
            offset: runner.len,
            len: manifest,
        };
        let signature = Region {
            offset: manifest.offset.saturating_add(manifest.len),
            len: SIGNATURE_LEN as u64,
        };
        let payload = Region {
            offset: signature.offset.saturating_add(signature.len),
            len: payload,
        };
        Layout {
            runner,
            manifest,
            signature,
            payload,
        }
    }

    /// The 112 trailer bytes.
    pub fn encode(&self) -> [u8; TRAILER_LEN as usize] {
        let mut out = [0u8; TRAILER_LEN as usize];
        let fields = [
            self.runner.offset,
            self.runner.len,
            self.manifest.offset,
            self.manifest.len,
            self.signature.offset,
            self.signature.len,
            self.payload.offset,
            self.payload.len,
        ];
        for (i, v) in fields.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        out[96..100].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[100..104].copy_from_slice(&(TRAILER_LEN as u32).to_le_bytes());
        out[104..112].copy_from_slice(&MAGIC);
        let sum = checksum(&out);
        out[64..96].copy_from_slice(&sum);
        out
    }

    /// Decodes and checks a format-1 trailer taken from the end of a file of `file_len` bytes.
    pub fn decode(trailer: &[u8], file_len: u64) -> Result<Layout, Failure> {
        let format = check_tail(trailer)?;
        if format != FORMAT_VERSION {
            return Err(Failure::UnsupportedFormat {
                found: format,
                supported: FORMAT_VERSION,
            });
        }
        let Ok(trailer) = <&[u8; TRAILER_LEN as usize]>::try_from(trailer) else {
            return Err(Failure::Trailer(format!(
                "needs the last {TRAILER_LEN} bytes of the file"
            )));
        };
        let declared = u32::from_le_bytes([trailer[100], trailer[101], trailer[102], trailer[103]]);
        if u64::from(declared) != TRAILER_LEN {
            return Err(Failure::Trailer(format!(
                "declares a length of {declared} bytes; format 1 uses {TRAILER_LEN}"
            )));
        }
        if trailer[64..96] != checksum(trailer) {
            return Err(Failure::Trailer("checksum does not match".into()));
        }
        let field = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&trailer[i * 8..i * 8 + 8]);
            u64::from_le_bytes(b)
        };
        let layout = Layout {
            runner: Region {
                offset: field(0),
                len: field(1),
            },
            manifest: Region {
                offset: field(2),
                len: field(3),
            },
            signature: Region {
                offset: field(4),
                len: field(5),
            },
            payload: Region {
                offset: field(6),
                len: field(7),
            },
        };
        layout.check(file_len)?;
        Ok(layout)
    }

    /// The regions must follow each other from offset 0 with no gap, and the
    /// trailer must follow the payload and end the file.
    fn check(&self, file_len: u64) -> Result<(), Failure> {
        let bad = |m: String| Err(Failure::Trailer(m));
        if self.manifest.len == 0 || self.manifest.len > MAX_MANIFEST_LEN {
            return bad(format!(
                "manifest length {} is outside 1..={MAX_MANIFEST_LEN}",
                self.manifest.len
            ));
        }
        if self.signature.len != SIGNATURE_LEN as u64 {
            return bad(format!(
                "signature length {} is not {SIGNATURE_LEN}",
                self.signature.len
            ));
        }
        let mut at = 0u64;
        for (name, r) in [
            ("runner", self.runner),
            ("manifest", self.manifest),
            ("signature", self.signature),
            ("payload", self.payload),
        ] {
            if r.offset != at {
                return bad(format!(
                    "{name} starts at {} but the previous part ends at {at}",
                    r.offset
                ));
            }
            match r.end() {
                Some(end) => at = end,
                None => return bad(format!("{name} extends past any possible file size")),
            }
        }
        match at.checked_add(TRAILER_LEN) {
            Some(end) if end == file_len => Ok(()),
            _ => bad(format!(
                "the parts it names end at {at}, but the file is {file_len} bytes \
                 (expected {TRAILER_LEN} bytes of trailer after them): truncated or extended"
            )),
        }
    }
}

/// Checks the last [`TAIL_LEN`] bytes of `tail` and returns the format version they name.
pub fn check_tail(tail: &[u8]) -> Result<u32, Failure> {
    let n = tail.len();
    if n < TAIL_LEN as usize || tail[n - 8..] != MAGIC {
        return Err(Failure::NotABundle);
    }
    Ok(u32::from_le_bytes([
        tail[n - 16],
        tail[n - 15],
        tail[n - 14],
        tail[n - 13],
    ]))
}

/// sha256 over the trailer's 112 bytes with the checksum field (64..96) left out.
fn checksum(trailer: &[u8; TRAILER_LEN as usize]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(&trailer[..64]);
    h.update(&trailer[96..]);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bounds() {
        let l = Layout::contiguous(10, 20, 30);
        let file_len = 10 + 20 + 64 + 30 + TRAILER_LEN;
        let t = l.encode();
        assert_eq!(Layout::decode(&t, file_len).unwrap(), l);
        assert!(matches!(
            Layout::decode(&t, file_len + 1),
            Err(Failure::Trailer(_))
        ));
        let mut bad = t;
        bad[3] ^= 1;
        assert!(matches!(
            Layout::decode(&bad, file_len),
            Err(Failure::Trailer(m)) if m.contains("checksum")
        ));
        let mut newer = t;
        newer[96] = 2;
        assert!(matches!(
            Layout::decode(&newer, file_len),
            Err(Failure::UnsupportedFormat { found: 2, .. })
        ));
        assert!(matches!(
            Layout::decode(&t[1..], file_len),
            Err(Failure::Trailer(_))
        ));
        assert!(matches!(
            Layout::decode(&[0; 112], file_len),
            Err(Failure::NotABundle)
        ));
    }

    #[test]
    fn lengths_are_bounded_before_use() {
        let file_len = 1000;
        for (runner, manifest, payload) in [
            (0, MAX_MANIFEST_LEN + 1, 0),
            (0, 0, 0),
            (u64::MAX - 10, 20, 0),
            (0, 10, u64::MAX - 100),
            (0, 10, 1 << 40),
        ] {
            let t = Layout::contiguous(runner, manifest, payload).encode();
            assert!(
                matches!(Layout::decode(&t, file_len), Err(Failure::Trailer(_))),
                "{runner} {manifest} {payload}"
            );
        }
        let mut gap = Layout::contiguous(10, 10, 10);
        gap.payload.offset += 1;
        gap.payload.len -= 1;
        let err = Layout::decode(&gap.encode(), 10 + 10 + 64 + 10 + TRAILER_LEN).unwrap_err();
        assert!(err.to_string().contains("payload starts at"), "{err}");
    }
}
