//! Parse speed of a large listing: generates a ~20 MB valid listing (10,000
//! products x 3 releases with `requires` between them), then times
//! `airlock products --listing FILE --json` (read, hash, parse, validate,
//! print) against `xmllint --stream --noout` on the same file, interleaved,
//! median of several runs each, with the peak RSS of both. The goals: a
//! time ratio of at most 1, and a peak RSS of at most twice the file. Then
//! one suite with 100,000 releases, where checking that release versions are
//! unique must stay linear (comparing each with each: 5 billion comparisons).

#[path = "common/versus.rs"]
mod versus;

use std::fmt::Write as _;
use std::path::Path;

const PRODUCTS: usize = 10_000;
const RELEASES: usize = 3;

/// A deterministic listing; product `i` requires two products before it.
fn listing() -> String {
    let mut xml = String::with_capacity(24 << 20);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <productListing xmlns=\"urn:airlock:product-listing:1\" vendor=\"Bench\" \
         name=\"Benchmark listing\" serial=\"1\" published=\"2026-11-20T10:00:00Z\">\n\
         <eula id=\"std\" title=\"Standard terms\">\n\
         <payload kind=\"text\" file=\"std.txt\" url=\"eula/std.txt\" size=\"10\" \
         sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/>\n\
         </eula>\n",
    );
    for i in 0..PRODUCTS {
        let _ = writeln!(
            xml,
            "  <product id=\"p{i}\" name=\"Product number {i} &amp; friends\" kind=\"solution\">"
        );
        for r in 0..RELEASES {
            let _ = writeln!(
                xml,
                "    <release version=\"{}.{r}.{i}.0\" label=\"{}.{r}\" eula=\"std\" license=\"trial\" arch=\"x64\" published=\"2026-0{}-1{r}T08:30:00Z\">\n\
                 \x20     <payload kind=\"msi\" file=\"p{i}-{r}.msi\" url=\"msi/p{i}/p{i}-{r}.msi\" size=\"{}\"\n\
                 \x20              sha256=\"{:064x}\" productCode=\"{{{:08X}-0000-4000-8000-{:012X}}}\"/>",
                r + 7,
                r + 7,
                r + 1,
                1_000_000 + i * 3 + r,
                (i * 3 + r) as u128 * 0x9E37_79B9_7F4A_7C15,
                i,
                r,
            );
            for j in [i / 2, i.saturating_sub(1)] {
                if j < i {
                    let _ = writeln!(
                        xml,
                        "      <requires product=\"p{j}\" version=\"&gt;=7.0,&lt;10\"/>"
                    );
                }
            }
            if r > 0 {
                let _ = writeln!(
                    xml,
                    "      <upgradesFrom version=\"{}.{}.*\"/>",
                    r + 6,
                    r - 1
                );
            }
            xml.push_str(
                "      <property name=\"INSTALLDIR\" description=\"Install folder\"/>\n\
                 \x20     <check kind=\"diskFree\" minBytes=\"1073741824\" severity=\"block\"/>\n\
                 \x20   </release>\n",
            );
        }
        xml.push_str("  </product>\n");
    }
    xml.push_str("</productListing>\n");
    xml
}

/// One suite with `count` releases, 1.0 to 1.`count-1`.
fn many_releases(count: usize) -> String {
    let mut xml = String::from(
        "<productListing xmlns=\"urn:airlock:product-listing:1\" vendor=\"Bench\" name=\"Many\" \
         serial=\"1\" published=\"2026-11-20T10:00:00Z\"><product id=\"s\" name=\"S\" kind=\"suite\">",
    );
    for i in 0..count {
        let _ = write!(xml, "<release version=\"1.{i}\" license=\"free\"/>");
    }
    xml.push_str("</product></productListing>");
    xml
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.pl.xml");
    let xml = listing();
    std::fs::write(&path, &xml).expect("write listing");
    let source = vec![path.display().to_string()];
    let catalog = airlock::listing::load(&source, None).expect("the generated listing is valid");
    assert_eq!(catalog.listings[0].products.len(), PRODUCTS);
    drop(catalog);

    let file = path.to_str().expect("a UTF-8 temp path");
    let airlock = Path::new(env!("CARGO_BIN_EXE_airlock"));
    let (ours, xmllint) = versus::versus(
        (airlock, &["products", "--listing", file, "--json"]),
        (Path::new("xmllint"), &["--stream", "--noout", file]),
        dir.path(),
    );
    versus::report(
        &format!(
            "parse + validate a listing (`airlock products --json`), {PRODUCTS} products x {RELEASES} releases"
        ),
        "xmllint --stream",
        xml.len(),
        &ours,
        &xmllint,
        1.0,
        2.0,
    );

    let many = many_releases(100_000);
    let base = url::Url::parse("https://vendor.example/many.pl.xml").expect("a URL");
    let best = (0..5)
        .map(|_| {
            let start = std::time::Instant::now();
            let listing = airlock::listing::parse_document("many.pl.xml", many.as_bytes(), &base)
                .expect("the generated listing is valid");
            assert_eq!(listing.products[0].releases.len(), 100_000);
            start.elapsed()
        })
        .min()
        .expect("five runs");
    println!(
        "one suite, 100,000 releases  best of 5: {:8.1} ms",
        best.as_secs_f64() * 1e3
    );
}
