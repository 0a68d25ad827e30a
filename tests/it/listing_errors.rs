//! Bad listings through the real binary: every file of the malformed corpus
//! (tests/listing-corpus), an oversize file, bad zips, an id in two listings
//! and bad or missing vendor signatures are each refused by
//! `airlock products --listing X` with the exit code and the located message
//! (file:line:column and the rule) they should have.

use assert_cmd::Command;
use bundle_format::keys::SigningKey;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Output;

const CORPUS: &str = "tests/listing-corpus";

fn products(args: &[&str]) -> Output {
    Command::cargo_bin("airlock")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_BACKTRACE")
        .arg("products")
        .args(args)
        .output()
        .unwrap()
}

/// Runs `products` and checks its exit code and that stderr holds every piece.
fn expect(args: &[&str], code: i32, pieces: &[&str]) {
    let out = products(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
    for piece in pieces {
        assert!(
            stderr.contains(piece),
            "{args:?}: expected {piece:?} in: {stderr}"
        );
    }
}

/// Each corpus file, the place of its error and the words of the rule it breaks.
const REFUSED: &[(&str, &str, &str)] = &[
    ("billion-laughs", "2:1", "rule 5: DTDs are refused"),
    ("undeclared-entity", "5:5", "rule 5: attribute `label`"),
    (
        "too-deep",
        "35:63",
        "rule 5: elements are nested deeper than 32 levels",
    ),
    ("bad-utf8", "4:28", "not valid UTF-8"),
    ("unknown-element", "7:7", "rule 4: unknown element <banana>"),
    (
        "unknown-attribute",
        "5:5",
        "rule 4: unknown attribute `colour` on <release>",
    ),
    (
        "duplicate-id",
        "9:3",
        "unique id: duplicate product id \"a\"",
    ),
    (
        "duplicate-file",
        "11:7",
        "rules 3 and 8: file \"A.msi\" is already used at",
    ),
    (
        "file-case-fold",
        "11:7",
        // U+017F (long s) is S in upper case: one file with s.msi on Windows.
        "rules 3 and 8: file \"\u{17F}.msi\" is already used at",
    ),
    (
        "size-sum-overflow",
        "11:7",
        "rule 3: `size` 9223372036854775808: the payloads of the run add up to more than 18446744073709551615 bytes",
    ),
    ("dangling-eula", "5:5", "rule 1: `eula` names \"terms\""),
    (
        "dangling-requires",
        "7:7",
        "rule 1: `product` names product \"nothing\"",
    ),
    (
        "dangling-recommends",
        "7:7",
        "rule 1: `product` names product \"nothing\"",
    ),
    (
        "dangling-replaces",
        "7:7",
        "rule 1: `product` names product \"nothing\"",
    ),
    (
        "dangling-applies-to",
        "9:3",
        "rule 1: `appliesTo` names product \"nothing\"",
    ),
    (
        "dangling-hotfix-product",
        "9:3",
        "rule 1: `product` names product \"nothing\"",
    ),
    (
        "dangling-hotfix-base",
        "9:3",
        "rule 1: `base` 0.9 is not a release of \"a\"",
    ),
    (
        "dangling-critical-product",
        "12:3",
        "rule 1: `product` names \"nothing\"",
    ),
    (
        "dangling-resolved-by",
        "12:3",
        "rule 1: `resolvedBy` \"hf9\" is neither",
    ),
    (
        "requires-cycle",
        "19:7",
        "rule 2: requires cycle a -> b -> c -> a",
    ),
    (
        "bad-version",
        "5:5",
        "version syntax: `version`: invalid version \"1.x\"",
    ),
    (
        "bad-requirement",
        "7:7",
        "requirement syntax: `version`: invalid version \">>1\"",
    ),
    ("bad-sha256", "6:7", "rule 3: `sha256`"),
    ("bad-size", "6:7", "rule 3: `size` \"18446744073709551616\""),
    (
        "missing-attribute",
        "6:7",
        "required attribute: <payload> needs `size`",
    ),
    (
        "suite-payload",
        "6:7",
        "suite release: a suite's release has no payload",
    ),
    (
        "climbs-out",
        "6:7",
        "`url` \"../outside/a.msi\" leaves the listing's folder",
    ),
    (
        "decl-garbage",
        "1:1",
        "rule 6: the XML declaration is not well-formed: it must start with version=\"1.0\"",
    ),
    (
        "decl-version-2",
        "1:1",
        "rule 6: the XML declaration is not well-formed: it must say version=\"1.0\"",
    ),
    (
        "text-before-decl",
        "1:1",
        "rule 6: text outside the root element",
    ),
    (
        "decl-in-middle",
        "4:1",
        "rule 6: the XML declaration is not well-formed: it must come first",
    ),
    (
        "raw-control",
        "4:33",
        "rule 6: the character U+0001 is not allowed anywhere in XML 1.0",
    ),
    (
        "raw-nul",
        "4:33",
        "rule 6: the character U+0000 is not allowed anywhere in XML 1.0",
    ),
    (
        "control-reference",
        "4:3",
        "rule 6: attribute `name` refers to the character U+0001",
    ),
    (
        "label-newline",
        "5:5",
        "rule 7: attribute `label` holds the control character U+000A",
    ),
    (
        "name-c1-control",
        "4:3",
        "rule 7: attribute `name` holds the control character U+009B",
    ),
    (
        "name-bidi",
        "4:3",
        "rule 7: attribute `name` holds the bidirectional or invisible character U+202E",
    ),
    (
        "eula-id-invisible",
        "4:3",
        "rule 7: attribute `id` holds the bidirectional or invisible character U+200B",
    ),
    (
        "prefixed-root",
        "4:3",
        "rule 4: <product> is in no namespace",
    ),
    (
        "namespace-flood",
        "2:1",
        "rule 5: more than 128 namespace declarations (xmlns) are in scope",
    ),
    (
        "raw-less-than",
        "4:3",
        "rule 6: attribute `name` holds a raw `<`, which XML 1.0 does not allow in a value; write &lt;",
    ),
    (
        "duplicate-property",
        "8:7",
        "<property>: unique property: property \"A\" is already declared in this release at tests/listing-corpus/duplicate-property.pl.xml:7:7",
    ),
    (
        "wrong-namespace",
        "2:1",
        "namespace \"urn:airlock:product-listing:2\"",
    ),
];

#[test]
fn every_corpus_file_is_refused_with_its_location_and_rule() {
    for (name, location, rule) in REFUSED {
        let path = format!("{CORPUS}/{name}.pl.xml");
        expect(
            &["--listing", &path],
            1,
            &[&format!("{path}:{location}: "), rule],
        );
    }
}

#[test]
fn the_corpus_has_no_file_without_a_case() {
    let mut named: Vec<&str> = REFUSED.iter().map(|(n, _, _)| *n).collect();
    named.extend(["id-in-two-a", "id-in-two-b", "same-file-a", "same-file-b"]);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    for entry in fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(stem) = name.strip_suffix(".pl.xml") {
            assert!(named.contains(&stem), "{name} has no expected error");
        }
    }
}

#[test]
fn a_product_id_in_two_listings_names_both() {
    let a = format!("{CORPUS}/id-in-two-a.pl.xml");
    let b = format!("{CORPUS}/id-in-two-b.pl.xml");
    expect(
        &["--listing", &a, "--listing", &b],
        1,
        &[
            &format!("{b}:4:3: "),
            &format!("product id \"shared\" is in two listings: {a} and {b}"),
        ],
    );
}

#[test]
fn a_file_in_two_listings_is_refused_ignoring_case() {
    let a = format!("{CORPUS}/same-file-a.pl.xml");
    let b = format!("{CORPUS}/same-file-b.pl.xml");
    for command in ["products", "plan"] {
        let mut args = vec!["--listing", &a, "--listing", &b];
        if command == "plan" {
            args.extend(["--select", "one,two"]);
        }
        let out = Command::cargo_bin("airlock")
            .unwrap()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg(command)
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "{b}:6:7: <payload>: rules 3 and 8: file \"Same.MSI\" is already used at {a}:6:7 as \"same.msi\""
            )),
            "{command}: {stderr}"
        );
    }
}

/// The minimal listing with `from` replaced by `to`, written in `dir`.
fn minimal_with(dir: &Path, name: &str, from: &str, to: &str) -> String {
    let text = String::from_utf8(minimal()).unwrap();
    assert!(text.contains(from), "{from}");
    let path = dir.join(format!("{name}.pl.xml"));
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn file_names_follow_the_bundle_containers_name_rule() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}.msi", "a".repeat(97));
    let names = [
        "CON",
        "aux.msi",
        "Com1.msi",
        "LPT\u{B9}.msi",
        "conin$.msi",
        "p*.msi",
        "p?.msi",
        "p|q.msi",
        "p&lt;q.msi",
        "p&quot;q.msi",
        "c:p.msi",
        "p.msi.",
        "p.msi ",
        "a/b.msi",
        "a\\b.msi",
        "..",
        long.as_str(),
        "evil\u{202E}isl.exe",
        "zero\u{200B}width.msi",
        "bom\u{FEFF}.msi",
        "isolate\u{2066}.msi",
    ];
    for (i, name) in names.iter().enumerate() {
        let path = minimal_with(
            dir.path(),
            &format!("n{i}"),
            "file=\"a.msi\"",
            &format!("file=\"{name}\""),
        );
        expect(
            &["--listing", &path],
            1,
            &[&format!("{path}:6:7: <payload>: rule 8: `file`: file name")],
        );
    }
    // 100 bytes is the longest name a bundle holds.
    let path = minimal_with(
        dir.path(),
        "longest",
        "file=\"a.msi\"",
        &format!("file=\"{}.msi\"", "a".repeat(96)),
    );
    assert_eq!(products(&["--listing", &path]).status.code(), Some(0));
}

#[test]
fn text_a_listing_may_hold_is_escaped_where_it_is_shown() {
    // A EULA title may hold a bidirectional override (rule 7 refuses them in
    // ids, names and labels only): the plan shows it as an escape.
    let dir = tempfile::tempdir().unwrap();
    let text = String::from_utf8(minimal())
        .unwrap()
        .replacen(
            "<product id=\"a\"",
            "<eula id=\"t\" title=\"Terms \u{202E}txt.exe\"><payload kind=\"text\" file=\"t.txt\" url=\"t.txt\" size=\"1\" sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/></eula>\n  <product id=\"a\"",
            1,
        )
        .replacen("license=\"free\"", "license=\"free\" eula=\"t\"", 1);
    let path = dir.path().join("title.pl.xml");
    fs::write(&path, text).unwrap();
    let out = Command::cargo_bin("airlock")
        .unwrap()
        .args(["plan", "--listing", path.to_str().unwrap(), "--select", "a"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("  t: Terms \\u{202e}txt.exe <file://"),
        "{stdout}"
    );
    assert!(!stdout.contains('\u{202E}'), "{stdout}");
}

#[test]
fn the_vendor_follows_the_name_rule_as_a_folder_name() {
    let dir = tempfile::tempdir().unwrap();
    let long = "V".repeat(101);
    for (i, vendor) in ["CON", "aux", "Nul.corp", "Acme.", "Acme ", long.as_str()]
        .iter()
        .enumerate()
    {
        let path = minimal_with(
            dir.path(),
            &format!("v{i}"),
            "vendor=\"Test\"",
            &format!("vendor=\"{vendor}\""),
        );
        expect(
            &["--listing", &path],
            1,
            &[&format!(
                "{path}:2:1: <productListing>: rule 8: `vendor` is used as a folder name"
            )],
        );
    }
}

#[test]
fn a_listing_over_64_mib_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.pl.xml");
    let file = fs::File::create(&path).unwrap();
    // Sparse: nothing is written, so the test is quick and the disk stays empty.
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    let path = path.to_str().unwrap();
    expect(
        &["--listing", path],
        1,
        &[
            path,
            "rule 5: it is 67108865 bytes; at most 64 MiB are accepted",
        ],
    );
}

#[test]
fn a_missing_file_is_named() {
    expect(
        &["--listing", "tests/listing-corpus/nowhere.pl.xml"],
        1,
        &["tests/listing-corpus/nowhere.pl.xml: no such file"],
    );
}

/// A zip member: name and bytes.
type Member<'a> = (&'a str, &'a [u8]);

fn write_zip(path: &Path, members: &[Member]) {
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    for (name, bytes) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

fn minimal() -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/listing-corpus/good/minimal.pl.xml"))
        .unwrap()
}

#[test]
fn a_zip_needs_exactly_one_plain_pl_xml_member() {
    let dir = tempfile::tempdir().unwrap();
    let xml = minimal();
    let cases: [(&str, Vec<Member>, &str); 4] = [
        (
            "two.pl.xml.zip",
            vec![("a.pl.xml", &xml), ("b.pl.xml", &xml)],
            "the archive holds 2 members; a zipped listing holds exactly one NAME.pl.xml",
        ),
        ("none.pl.xml.zip", vec![], "the archive holds 0 members"),
        (
            "climb.pl.xml.zip",
            vec![("../a.pl.xml", &xml)],
            "the archive's member \"../a.pl.xml\" is not a plain NAME.pl.xml file name",
        ),
        (
            "other.pl.xml.zip",
            vec![("readme.txt", &xml)],
            "the archive's member \"readme.txt\" is not a plain NAME.pl.xml file name",
        ),
    ];
    for (name, members, message) in cases {
        let path = dir.path().join(name);
        write_zip(&path, &members);
        expect(&["--listing", path.to_str().unwrap()], 1, &[message]);
    }
    let garbage = dir.path().join("garbage.pl.xml.zip");
    fs::write(&garbage, b"this is not a zip archive").unwrap();
    expect(
        &["--listing", garbage.to_str().unwrap()],
        1,
        &["not a readable zip archive"],
    );
}

/// A vendor key pair in `dir`; returns the signing key and the public key's path.
fn vendor_key(dir: &Path) -> (SigningKey, String) {
    let key = SigningKey::generate().unwrap();
    let (_, public) = key.write_pair(&dir.join("vendor")).unwrap();
    (key, public.to_str().unwrap().to_string())
}

fn signature_line(key: &SigningKey, bytes: &[u8]) -> String {
    use base64::Engine;
    let signature = key.sign(bytes);
    format!(
        "{}\n",
        base64::engine::general_purpose::STANDARD.encode(signature)
    )
}

#[test]
fn with_a_vendor_key_the_signature_is_mandatory_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = vendor_key(dir.path());
    let xml = minimal();
    let listing = dir.path().join("itms.pl.xml");
    fs::write(&listing, &xml).unwrap();
    let listing = listing.to_str().unwrap();
    let sig = dir.path().join("itms.pl.xml.sig");
    let sig_name = sig.to_str().unwrap();

    expect(
        &["--listing", listing, "--vendor-key", &public],
        3,
        &[&format!("the vendor signature {sig_name} is missing")],
    );

    fs::write(&sig, signature_line(&key, b"some other listing")).unwrap();
    expect(
        &["--listing", listing, "--vendor-key", &public],
        3,
        &["does not match the listing for key"],
    );

    fs::write(&sig, "not base64 at all!\n").unwrap();
    expect(
        &["--listing", listing, "--vendor-key", &public],
        3,
        &["is not one line of base64"],
    );

    fs::write(&sig, signature_line(&key, &xml).replace('\n', "\n\n")).unwrap();
    expect(
        &["--listing", listing, "--vendor-key", &public],
        3,
        &["is not one line of base64"],
    );

    // Signed by another vendor's key.
    let other = SigningKey::generate().unwrap();
    fs::write(&sig, signature_line(&other, &xml)).unwrap();
    expect(
        &["--listing", listing, "--vendor-key", &public],
        3,
        &["does not match"],
    );

    fs::write(&sig, signature_line(&key, &xml)).unwrap();
    let out = products(&["--listing", listing, "--vendor-key", &public]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without a key the signature is not needed.
    fs::remove_file(&sig).unwrap();
    let out = products(&["--listing", listing]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_zipped_listings_signature_covers_the_member_and_sits_beside_the_zip() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = vendor_key(dir.path());
    let xml = minimal();
    let zipped = dir.path().join("itms.pl.xml.zip");
    write_zip(&zipped, &[("itms.pl.xml", &xml)]);
    let zipped = zipped.to_str().unwrap();
    // A signature over the zip's bytes is not one over the member.
    fs::write(
        dir.path().join("itms.pl.xml.sig"),
        signature_line(&key, &fs::read(zipped).unwrap()),
    )
    .unwrap();
    expect(
        &["--listing", zipped, "--vendor-key", &public],
        3,
        &["does not match"],
    );
    fs::write(
        dir.path().join("itms.pl.xml.sig"),
        signature_line(&key, &xml),
    )
    .unwrap();
    let out = products(&["--listing", zipped, "--vendor-key", &public]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unreadable_vendor_key_is_named() {
    expect(
        &[
            "--listing",
            "tests/listing-corpus/good/minimal.pl.xml",
            "--vendor-key",
            "tests/listing-corpus/good/minimal.pl.xml",
        ],
        1,
        &[
            "cannot use the vendor key",
            "is not a PEM public key: it has no -----BEGIN PUBLIC KEY----- line",
        ],
    );
}
