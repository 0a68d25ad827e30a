//! The payload's tar framing: the one canonical ustar header each file gets,
//! the padding and the end-of-archive marker. Writer and reader share these
//! bytes, so the reader compares headers instead of interpreting them.

/// Size of a tar block.
pub const BLOCK: usize = 512;
/// The end-of-archive marker: two zero blocks.
pub const END_LEN: usize = 2 * BLOCK;
/// Sizes from this value up are stored in GNU base-256 form.
const OCTAL_LIMIT: u64 = 1 << 33;

/// The canonical header for a regular file `name` of `size` bytes.
/// `name` must already have passed [`crate::manifest::check_name`] (at most 100 bytes).
pub fn header(name: &str, size: u64) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name.as_bytes()[..n]);
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    if size < OCTAL_LIMIT {
        h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    } else {
        h[124] = 0x80;
        h[128..136].copy_from_slice(&size.to_be_bytes());
    }
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].fill(b' ');
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:07o}\0").as_bytes());
    h
}

/// Zero bytes that follow `size` bytes of data up to the next block boundary.
pub fn padding(size: u64) -> usize {
    let rem = (size % BLOCK as u64) as usize;
    if rem == 0 { 0 } else { BLOCK - rem }
}

/// Says, for a header that is not the expected one, what differs (for messages).
pub fn describe_mismatch(found: &[u8; BLOCK], name: &str, size: u64) -> String {
    if found.iter().all(|&b| b == 0) {
        return "the payload ends before this file (the manifest lists more files than it holds)"
            .into();
    }
    let found_name_len = found[..100].iter().position(|&b| b == 0).unwrap_or(100);
    let found_name = String::from_utf8_lossy(&found[..found_name_len]);
    if found_name != name {
        return format!("the payload holds {found_name:?} where the manifest expects this file");
    }
    if found[156] != b'0' {
        return format!(
            "the payload entry is not a regular file (type {:?})",
            char::from(found[156])
        );
    }
    let expected = header(name, size);
    if found[124..136] != expected[124..136] {
        return format!("the payload entry's size field differs from the manifest's {size} bytes");
    }
    "the payload entry's tar header is not the canonical one".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_ustar_with_valid_checksum() {
        let h = header("a.msi", 1234);
        assert_eq!(&h[124..136], b"00000002322\0");
        let mut copy = h;
        copy[148..156].fill(b' ');
        let sum: u32 = copy.iter().map(|&b| u32::from(b)).sum();
        let stored = std::str::from_utf8(&h[148..155]).unwrap();
        assert_eq!(u32::from_str_radix(stored, 8).unwrap(), sum);
        let big = header("b", 1 << 40);
        assert_eq!(big[124], 0x80);
        assert_eq!(padding(0), 0);
        assert_eq!(padding(1), 511);
        assert_eq!(padding(512), 0);
    }
}
