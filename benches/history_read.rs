//! Reading a history at its size limit: generates a history of nearly 16 MiB
//! (products no listing knows, so the plan itself is trivial), then times
//! `airlock plan --listing TINY --history FILE --json` (read, check the
//! digest and canonical form, plan, print) against `xmllint --noout` on the
//! same file, interleaved, median of several runs each, with the peak RSS of
//! both. The goals: a time ratio of at most 1, and a peak RSS of at most
//! twice the file.

#[path = "common/versus.rs"]
mod versus;

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::Path;

/// Products in the history: about 98 bytes each, so the file stays under
/// the 16 MiB a history may be.
const PRODUCTS: usize = 165_000;

/// A sealed history of `PRODUCTS` products, as `history export` writes one.
fn history() -> String {
    let mut text = String::with_capacity(17 << 20);
    text.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <history xmlns=\"urn:airlock:history:1\" version=\"1\">\n  \
         <machine id=\"0123456789abcdef0123456789abcdef\" name=\"srv01\"/>\n  <products>\n",
    );
    for i in 0..PRODUCTS {
        let _ = writeln!(
            text,
            "    <product id=\"p{i:07}\" version=\"7.6.{}.0\" installed=\"2026-11-18T11:06:40Z\" license=\"free\"/>",
            i % 60_000
        );
    }
    text.push_str(
        "  </products>\n  <listings>\n    \
         <listing vendor=\"Bench\" name=\"Bench\" serial=\"1\"/>\n  </listings>\n  <bundles/>\n",
    );
    let digest = hex::encode(Sha256::digest(text.as_bytes()));
    let _ = write!(
        text,
        "  <digest algorithm=\"sha256\">{digest}</digest>\n</history>\n"
    );
    text
}

/// A listing of one product the history does not have.
const LISTING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<productListing xmlns="urn:airlock:product-listing:1" vendor="Bench" name="Bench" serial="2" published="2026-11-20T10:00:00Z">
  <product id="other" name="Other" kind="solution">
    <release version="1.0" license="free">
      <payload kind="msi" file="other.msi" url="other.msi" size="1" sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
    </release>
  </product>
</productListing>
"#;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let history_path = dir.path().join("history.xml");
    let listing_path = dir.path().join("bench.pl.xml");
    let text = history();
    assert!(text.len() as u64 <= airlock::history::MAX_BYTES);
    std::fs::write(&history_path, &text).expect("write history");
    std::fs::write(&listing_path, LISTING).expect("write listing");
    let read = airlock::history::Imported::load(&history_path).expect("a valid history");
    assert_eq!(read.history.products.len(), PRODUCTS);
    drop(read);

    let history = history_path.to_str().expect("a UTF-8 temp path");
    let listing = listing_path.to_str().expect("a UTF-8 temp path");
    let airlock = Path::new(env!("CARGO_BIN_EXE_airlock"));
    let (ours, xmllint) = versus::versus(
        (
            airlock,
            &["plan", "--listing", listing, "--history", history, "--json"],
        ),
        (Path::new("xmllint"), &["--noout", history]),
        dir.path(),
    );
    versus::report(
        &format!("read a history (`airlock plan --history --json`), {PRODUCTS} products"),
        "xmllint",
        text.len(),
        &ours,
        &xmllint,
        1.0,
        2.0,
    );
}
