//! The listing parser as a library: the contract's example (with real files
//! and hashes) becomes the right model; each element rule refuses what breaks
//! it with a located message; mutated listings never make it panic.

use airlock::listing::{
    self, Arch, Category, CheckKind, Error, HotfixSeverity, LicenseKind, PayloadKind, ProductKind,
    Resolution, Severity, Version,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use url::Url;

fn good(name: &str) -> String {
    format!(
        "{}/tests/listing-corpus/good/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn v(text: &str) -> Version {
    text.parse().unwrap()
}

#[test]
fn the_contract_example_parses_into_the_right_model() {
    let source = good("example.pl.xml");
    let catalog = listing::load(std::slice::from_ref(&source), None).unwrap();
    let l = &catalog.listings[0];
    assert_eq!(l.source, source);
    assert_eq!(l.vendor, "Symantec");
    assert_eq!(l.name, "IT Management Suite");
    assert_eq!(l.serial, 2026112001);
    assert_eq!(l.published.unix_timestamp(), 1_795_168_800);
    let bytes = std::fs::read(&source).unwrap();
    assert_eq!(l.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
    assert_eq!(l.base, Url::from_file_path(&source).unwrap());

    let installer = l.installer.as_ref().unwrap();
    assert_eq!(installer.version, v("8.0.2298.0"));
    assert_eq!(installer.payload.kind, PayloadKind::Exe);
    assert_eq!(installer.payload.args(), Some("/quiet"));
    assert_eq!(l.eulas[0].id, "itms");
    assert_eq!(l.eulas[0].payload.kind, PayloadKind::Text);

    let ids: Vec<&str> = l.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "smp",
            "patch",
            "power-scheme",
            "it-analytics",
            "cms",
            "smp-docs"
        ]
    );

    let smp = catalog.product("smp").unwrap();
    assert_eq!(smp.kind, ProductKind::Solution);
    assert!(smp.retain_on_cascade);
    // Written 8.0 first, sorted oldest first.
    let versions: Vec<String> = smp.releases.iter().map(|r| r.version.to_string()).collect();
    assert_eq!(versions, ["7.6.1423.0", "8.0.2298.0"]);
    let latest = smp.latest().unwrap();
    assert_eq!(latest.label.as_deref(), Some("8.0"));
    assert_eq!(latest.eula.as_deref(), Some("itms"));
    assert_eq!(latest.license, LicenseKind::Trial);
    assert_eq!(latest.arch, Arch::X64);
    assert_eq!(latest.upgrades_from.len(), 2);
    assert!(latest.upgrades_from[1].matches(&v("7.6.1655.0")));
    assert!(!latest.upgrades_from[1].matches(&v("7.6.1423.0")));
    assert_eq!(latest.properties[1].name, "NS_PASSWORD");
    assert!(latest.properties[1].required && latest.properties[1].secret);
    assert!(!latest.properties[0].required && !latest.properties[0].secret);
    assert_eq!(
        latest.checks[0].kind,
        CheckKind::DiskFree {
            min_bytes: 13_421_772_800
        }
    );
    assert_eq!(latest.checks[1].severity, Severity::Warn);
    assert_eq!(
        latest.checks[2].kind,
        CheckKind::Os {
            family: "windows".into(),
            min_version: Some(v("6.3"))
        }
    );
    let payload = latest.payload.as_ref().unwrap();
    assert_eq!(payload.file, "smp_8.0.msi");
    assert_eq!(
        payload.product_code(),
        Some("{A1B2C3D4-0000-4000-8000-000000000080}")
    );

    // Every payload's relative URL points at the real file, whose size and hash it states.
    let payloads = l
        .products
        .iter()
        .flat_map(|p| &p.releases)
        .filter_map(|r| r.payload.as_ref())
        .chain(l.hotfixes.iter().map(|h| &h.payload))
        .chain(l.eulas.iter().map(|e| &e.payload))
        .chain(std::iter::once(&installer.payload));
    let mut count = 0;
    for payload in payloads {
        let path = payload.url.to_url().to_file_path().unwrap();
        assert!(path.starts_with(Path::new(&source).parent().unwrap()));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(payload.size, bytes.len() as u64, "{}", payload.file);
        assert_eq!(payload.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
        count += 1;
    }
    assert_eq!(count, 10);

    let patch = catalog.product("patch").unwrap();
    let requires = &patch.latest().unwrap().requires[0];
    assert_eq!(requires.product, "smp");
    assert!(requires.version.matches(&v("8.0")) && !requires.version.matches(&v("7.6.1655")));

    let cms = catalog.product("cms").unwrap();
    assert_eq!(cms.kind, ProductKind::Suite);
    let suite = cms.latest().unwrap();
    assert!(suite.payload.is_none());
    assert_eq!(suite.requires.len(), 2);
    assert_eq!(suite.recommends[0].product, "it-analytics");
    assert!(suite.recommends[0].version.is_any());

    let docs = catalog.product("smp-docs").unwrap();
    assert_eq!(docs.category, Some(Category::Documentation));
    assert_eq!(&*docs.applies_to, ["smp", "patch"]);

    let fixes = catalog.hotfixes_for("smp", &v("7.6.1423.0"));
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0].version, v("7.6.1655.0"));
    assert_eq!(fixes[0].severity, HotfixSeverity::Recommended);
    assert_eq!(fixes[0].payload.kind, PayloadKind::Msp);

    let update = catalog.critical_updates().next().unwrap();
    assert_eq!(update.resolved_by, Resolution::Hotfix("smp-8.0-hf1".into()));
    assert!(update.affects.matches(&v("8.0.2298.0")));
    assert!(!update.affects.matches(&v("8.0.2298.1")));
}

// ---- element rules, one mutation of a small valid listing each ------------------

const MINIMAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<productListing xmlns="urn:airlock:product-listing:1" vendor="Test" name="Rules"
                serial="7" published="2026-11-20T10:00:00+01:00">
  <product id="a" name="A" kind="solution">
    <release version="1.0" license="free">
      <payload kind="msi" file="a.msi" url="https://vendor.example/a.msi" size="1"
               sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
    </release>
  </product>
  <hotfix id="hf1" product="a" base="1.0" version="1.0.1" severity="critical">
    <payload kind="msp" file="hf1.msp" url="hf/hf1.msp" size="1"
             sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
  </hotfix>
</productListing>
"#;

fn parse(text: &str) -> Result<listing::Listing, Error> {
    let base = Url::parse("https://vendor.example/listings/rules.pl.xml").unwrap();
    listing::parse_document("rules.pl.xml", text.as_bytes(), &base)
}

/// `MINIMAL` with one piece replaced.
fn with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "{from}");
    MINIMAL.replacen(from, to, 1)
}

fn refused(text: &str, location: &str, words: &str) {
    match parse(text) {
        Err(Error::Invalid {
            location: at,
            message,
            ..
        }) => {
            assert_eq!(at, format!("rules.pl.xml:{location}"), "{message}");
            assert!(message.contains(words), "expected {words:?} in {message:?}");
        }
        other => panic!("expected a refusal with {words:?}, got {other:?}"),
    }
}

const RELEASE: &str = r#"<release version="1.0" license="free">"#;
const PAYLOAD: &str = r#"<payload kind="msi" file="a.msi""#;
const HOTFIX: &str = r#"<hotfix id="hf1" product="a" base="1.0" version="1.0.1""#;

#[test]
fn the_minimal_listing_is_valid_and_resolves_relative_urls_against_its_own() {
    let l = parse(MINIMAL).unwrap();
    assert_eq!(l.serial, 7);
    assert_eq!(
        l.hotfixes[0].payload.url.to_string(),
        "https://vendor.example/listings/hf/hf1.msp"
    );
    assert_eq!(l.published.offset().whole_hours(), 1);
}

#[test]
fn listing_attributes_are_checked() {
    refused(
        &with("vendor=\"Test\"", "vendor=\"Te/st\""),
        "2:1",
        "vendor charset",
    );
    refused(
        &with("serial=\"7\"", "serial=\"-7\""),
        "2:1",
        "serial: `serial` \"-7\"",
    );
    refused(
        &with("serial=\"7\"", "serial=\"+7\""),
        "2:1",
        "serial: `serial` \"+7\"",
    );
    refused(
        &with("2026-11-20T10:00:00+01:00", "2026-11-20"),
        "2:1",
        "date: `published`",
    );
    refused(
        &with(" name=\"Rules\"", ""),
        "2:1",
        "required attribute: <productListing> needs `name`",
    );
    refused(
        &with("name=\"Rules\"", "name=\"  \""),
        "2:1",
        "required attribute: `name` is empty",
    );
}

#[test]
fn payload_rules_are_checked() {
    refused(
        &with(PAYLOAD, r#"<payload kind="zip" file="a.msi""#),
        "6:7",
        "allowed values: `kind` is \"zip\"",
    );
    refused(
        &with(PAYLOAD, r#"<payload kind="text" file="a.msi""#),
        "6:7",
        "payload kind: a payload of <release> is of kind msi or exe, not text",
    );
    refused(
        &with(PAYLOAD, r#"<payload kind="msi" file="sub/a.msi""#),
        "6:7",
        "rule 8: `file`: file name",
    );
    refused(
        &with(PAYLOAD, r#"<payload kind="msi" file="..""#),
        "6:7",
        "rule 8: `file`: file name",
    );
    refused(
        &with(PAYLOAD, r#"<payload kind="msi" file="hf1.MSP""#),
        "11:5",
        "rules 3 and 8: file \"hf1.msp\" is already used at rules.pl.xml:6:7",
    );
    refused(
        &with(
            PAYLOAD,
            r#"<payload kind="msi" file="a.msi" productCode="{1234}""#,
        ),
        "6:7",
        "productCode syntax",
    );
    refused(
        &with(PAYLOAD, r#"<payload kind="msi" file="a.msi" args="/q""#),
        "6:7",
        "exe only: `args`",
    );
    refused(
        &with(
            r#"<payload kind="msp" file="hf1.msp""#,
            r#"<payload kind="msp" file="hf1.msp" productCode="{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B}""#,
        ),
        "11:5",
        "msi only: `productCode`",
    );
    refused(
        &with("https://vendor.example/a.msi", "ftp://vendor.example/a.msi"),
        "6:7",
        "payload url: `url` \"ftp://vendor.example/a.msi\" uses the scheme \"ftp\"",
    );
    // A password in the URL is never shown, in these messages either.
    refused(
        &with(
            "https://vendor.example/a.msi",
            "ftp://u:pw@vendor.example/a.msi",
        ),
        "6:7",
        "payload url: `url` \"ftp://u:***@vendor.example/a.msi\" uses the scheme \"ftp\"",
    );
    refused(
        &with("https://vendor.example/a.msi", "https://u:pw@[vendor/a.msi"),
        "6:7",
        "payload url: `url` \"https://u:***@[vendor/a.msi\" is not a URL",
    );
    refused(&with("size=\"1\"", "size=\"1e3\""), "6:7", "rule 3: `size`");
    refused(
        &with("sha256=\"0000", "sha256=\"zz00"),
        "6:7",
        "rule 3: `sha256`",
    );
    refused(
        &with(
            PAYLOAD,
            r#"<payload kind="msi" file="a.msi" x:y="1" xmlns:x="urn:airlock:product-listing:1""#,
        ),
        "6:7",
        "rule 4: unknown attribute `y`",
    );
    // Attributes in other namespaces are ignored.
    parse(&with(
        PAYLOAD,
        r#"<payload kind="msi" file="a.msi" v:note="ok" xmlns:v="urn:vendor""#,
    ))
    .unwrap();
}

/// Root children in an order of their own: hot fix, product, eula, installer.
const SHUFFLED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<productListing xmlns="urn:airlock:product-listing:1" vendor="Test" name="Rules" serial="7" published="2026-11-20T10:00:00Z">
  <hotfix id="hf1" product="a" base="1.0" version="1.0.1" severity="critical">
    <payload kind="msp" file="hf1.msp" url="hf1.msp" size="18446744073709551615" sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
  </hotfix>
  <product id="a" name="A" kind="solution">
    <release version="1.0" license="free" eula="terms">
      <payload kind="msi" file="a.msi" url="a.msi" size="0" sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
    </release>
  </product>
  <eula id="terms" title="Terms">
    <payload kind="text" file="terms.txt" url="terms.txt" size="0" sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
  </eula>
  <installer name="Setup" version="1.0">
    <payload kind="exe" file="setup.exe" url="setup.exe" size="0" sha256="0000000000000000000000000000000000000000000000000000000000000000"/>
  </installer>
</productListing>
"#;

/// The file rules take payloads in the order the document writes them,
/// whatever the order of the elements that hold them: the later of two
/// clashing names is the one refused, and the size that overflows the total
/// is the first one past the limit in the document.
#[test]
fn payload_rules_follow_the_document_order() {
    let shuffled = |from: &str, to: &str| {
        assert!(SHUFFLED.contains(from), "{from}");
        SHUFFLED.replacen(from, to, 1)
    };
    let listing = parse(SHUFFLED).unwrap();
    assert_eq!(listing.payloads().count(), 4);
    refused(
        &shuffled(r#"file="setup.exe""#, r#"file="HF1.msp""#),
        "15:5",
        "rules 3 and 8: file \"HF1.msp\" is already used at rules.pl.xml:4:5 as \"hf1.msp\"",
    );
    refused(
        &shuffled(r#"file="terms.txt""#, r#"file="A.MSI""#),
        "12:5",
        "rules 3 and 8: file \"A.MSI\" is already used at rules.pl.xml:8:7 as \"a.msi\"",
    );
    refused(
        &shuffled(r#"size="0""#, r#"size="1""#),
        "8:7",
        "rule 3: `size` 1: the payloads of the run add up to more than",
    );
    refused(
        &shuffled(
            r#"file="setup.exe" url="setup.exe" size="0""#,
            r#"file="setup.exe" url="setup.exe" size="2""#,
        ),
        "15:5",
        "rule 3: `size` 2: the payloads of the run add up to more than",
    );
}

#[test]
fn product_and_release_rules_are_checked() {
    refused(
        &with("id=\"a\" name=\"A\"", "id=\"A\" name=\"A\""),
        "4:3",
        "id syntax: `id` \"A\"",
    );
    refused(
        &with("kind=\"solution\"", "kind=\"optional\""),
        "4:3",
        "optional component: an optional component needs `category`",
    );
    refused(
        &with(
            "kind=\"solution\"",
            "kind=\"optional\" category=\"language\"",
        ),
        "4:3",
        "needs `appliesTo`",
    );
    refused(
        &with(
            "kind=\"solution\"",
            "kind=\"optional\" category=\"migration\" appliesTo=\"a\"",
        ),
        "4:3",
        "`appliesTo` belongs to documentation and language components only",
    );
    refused(
        &with(
            "kind=\"solution\"",
            "kind=\"solution\" category=\"migration\"",
        ),
        "4:3",
        "`category` belongs to optional components only",
    );
    refused(
        &with(
            "kind=\"solution\"",
            "kind=\"solution\" retainOnCascade=\"yes\"",
        ),
        "4:3",
        "boolean: `retainOnCascade`",
    );
    refused(
        &with(RELEASE, r#"<release version="1.0" license="paid">"#),
        "5:5",
        "allowed values: `license`",
    );
    refused(
        &with(
            RELEASE,
            r#"<release version="1.0" license="free" arch="arm">"#,
        ),
        "5:5",
        "allowed values: `arch`",
    );
    refused(
        &with(RELEASE, r#"<release version="1.0">"#),
        "5:5",
        "required attribute: <release> needs `license`",
    );
    refused(
        &with(RELEASE, r#"<release version="1.0.0.0.1" license="free">"#),
        "5:5",
        "version syntax",
    );
    refused(
        &with(
            "    </release>\n  </product>",
            "    </release>\n    <release version=\"1.0.0\" license=\"free\"><payload kind=\"exe\" file=\"b.exe\" url=\"b.exe\" size=\"1\" sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/></release>\n  </product>",
        ),
        "9:5",
        "unique release version: release 1.0.0 of \"a\" is already listed at rules.pl.xml:5:5",
    );
    refused(
        &with(
            "    </release>\n  </product>",
            "    </release>\n    <release version=\"2.0\" license=\"free\"/>\n  </product>",
        ),
        "9:5",
        "one payload: a release of a solution or optional component needs one <payload>",
    );
    refused(
        &with(
            "    </release>",
            "      <payload kind=\"exe\" file=\"b.exe\" url=\"b.exe\" size=\"1\" sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/>\n    </release>",
        ),
        "8:7",
        "one payload: a release has exactly one <payload>",
    );
    refused(
        &with(
            "    </release>",
            "      <check kind=\"memory\" minBytes=\"1\" family=\"windows\" severity=\"info\"/>\n    </release>",
        ),
        "8:7",
        "check kind: `family` does not apply to a memory check",
    );
    refused(
        &with(
            "    </release>",
            "      <check kind=\"cpu\" severity=\"info\"/>\n    </release>",
        ),
        "8:7",
        "check kind: `kind` is \"cpu\"",
    );
    refused(
        &with(
            "    </release>",
            "      <check kind=\"os\" severity=\"info\"/>\n    </release>",
        ),
        "8:7",
        "required attribute: <check> needs `family`",
    );
    refused(
        &with(
            "    </release>",
            "      <property name=\"A B\"/>\n    </release>",
        ),
        "8:7",
        "property name",
    );
    refused(
        &with(
            "    </release>",
            "      <upgradesFrom version=\"~1\"/>\n    </release>",
        ),
        "8:7",
        "requirement syntax",
    );
    refused(
        &with(
            "    </release>",
            "      <requires product=\"a\"/>\n    </release>",
        ),
        "8:7",
        "rule 2: requires cycle a -> a",
    );
    refused(
        &with(
            "  </product>",
            "    <payload kind=\"msi\" file=\"c.msi\" url=\"c.msi\" size=\"1\" sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/>\n  </product>",
        ),
        "9:5",
        "rule 4: <payload> is not allowed in <product>",
    );
    refused(
        &with(
            "<product id=\"a\" name=\"A\" kind=\"solution\">\n    <release version=\"1.0\" license=\"free\">\n      <payload kind=\"msi\" file=\"a.msi\" url=\"https://vendor.example/a.msi\" size=\"1\"\n               sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/>\n    </release>\n  </product>",
            "<product id=\"b\" name=\"B\" kind=\"suite\"/>",
        ),
        "4:3",
        "product releases",
    );
}

#[test]
fn hotfix_and_critical_update_rules_are_checked() {
    refused(
        &with(
            HOTFIX,
            r#"<hotfix id="hf1" product="a" base="1.0" version="1.0""#,
        ),
        "10:3",
        "hot fix version: `version` 1.0 is not greater than its `base` 1.0",
    );
    refused(
        &with("severity=\"critical\"", "severity=\"high\""),
        "10:3",
        "allowed values: `severity`",
    );
    refused(
        &with(r#"<payload kind="msp""#, r#"<payload kind="exe""#),
        "11:5",
        "payload kind: a payload of <hotfix> is of kind msp or msi, not exe",
    );
    let update = |resolved: &str| {
        with(
            "</productListing>",
            &format!(
                "  <criticalUpdate id=\"cu\" product=\"a\" affects=\"&lt;1.0.1\" resolvedBy=\"{resolved}\" message=\"m\"/>\n</productListing>"
            ),
        )
    };
    let l = parse(&update("hf1")).unwrap();
    assert_eq!(
        l.critical_updates[0].resolved_by,
        Resolution::Hotfix("hf1".into())
    );
    refused(
        &update("1.0"),
        "14:3",
        "rule 1: `resolvedBy` \"1.0\" brings \"a\" to 1.0, which `affects` (<1.0.1) still matches",
    );
    refused(
        &update("2.0"),
        "14:3",
        "rule 1: `resolvedBy` \"2.0\" is neither a hot fix id nor a release version",
    );
    let by_release = with(
        "</productListing>",
        "  <criticalUpdate id=\"cu\" product=\"a\" affects=\"&lt;1.0\" resolvedBy=\"1.0\" message=\"m\"/>\n</productListing>",
    );
    let l = parse(&by_release).unwrap();
    assert_eq!(
        l.critical_updates[0].resolved_by,
        Resolution::Release(v("1.0"))
    );
    refused(
        &with(
            "</productListing>",
            "  <hotfix id=\"hf1\" product=\"a\" base=\"1.0\" version=\"1.0.2\" severity=\"critical\">\n    <payload kind=\"msp\" file=\"hf2.msp\" url=\"hf2.msp\" size=\"1\" sha256=\"0000000000000000000000000000000000000000000000000000000000000000\"/>\n  </hotfix>\n</productListing>",
        ),
        "14:3",
        "unique id: duplicate hotfix id \"hf1\": already defined at rules.pl.xml:10:3",
    );
}

#[test]
fn markup_rules_are_checked() {
    refused(
        &with("  <hotfix", "  some text\n  <hotfix"),
        "10:3",
        "rule 4: listing elements carry attributes only",
    );
    refused(
        &with("  <hotfix", "  &#65;\n  <hotfix"),
        "10:3",
        "carry attributes only",
    );
    refused(
        &with("  <hotfix", "  &nbsp;\n  <hotfix"),
        "10:3",
        "rule 5: entity reference &nbsp; refused",
    );
    refused(
        &with("  <hotfix", "  <![CDATA[x]]>\n  <hotfix"),
        "10:3",
        "carry attributes only",
    );
    refused(&format!("{MINIMAL}<productListing/>\n"), "15:1", "one root");
    refused(
        &with("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""),
        "1:1",
        "encoding: the listing declares encoding \"ISO-8859-1\"",
    );
    refused("", "1:1", "has no <productListing");
    refused(
        &with(
            "  <hotfix",
            "  <x:a xmlns:x=\"urn:v\"><x:b attr=\"&bomb;\"/></x:a>\n  <hotfix",
        ),
        "10:24",
        "rule 5",
    );
    refused(
        &MINIMAL[..MINIMAL.len() - 20],
        "13:3",
        "not well-formed XML",
    );
    // Comments, processing instructions and other namespaces' elements are ignored.
    let extended = with(
        "  <hotfix",
        "  <!-- note -->\n  <?vendor hint?>\n  <x:extra xmlns:x=\"urn:vendor\" n=\"&amp;\"><x:deep><product id=\"ignored\"/></x:deep>text</x:extra>\n  <hotfix",
    );
    assert_eq!(parse(&extended).unwrap().products.len(), 1);
    // A prefix bound to the listing namespace is the same namespace.
    let prefixed = MINIMAL
        .replace("<productListing xmlns=", "<pl:productListing xmlns:pl=")
        .replace("</productListing>", "</pl:productListing>")
        .replace('<', "<pl:")
        .replace("<pl:/", "</pl:")
        .replace("<pl:?", "<?")
        .replace("<pl:pl:", "<pl:")
        .replace("</pl:pl:", "</pl:");
    let l = parse(&prefixed).unwrap();
    assert_eq!(l.products[0].id, "a");
}

// ---- mutated listings ---------------------------------------------------------------

/// Either a listing or an error located as `name:line:column`.
fn located_or_ok(bytes: &[u8]) -> Result<(), TestCaseError> {
    let base = Url::parse("https://vendor.example/m.pl.xml").unwrap();
    match listing::parse_document("m.pl.xml", bytes, &base) {
        Ok(_) => Ok(()),
        Err(Error::Invalid { location, .. }) => {
            let parts: Vec<&str> = location.split(':').collect();
            prop_assert_eq!(parts.len(), 3, "{}", location);
            prop_assert_eq!(parts[0], "m.pl.xml");
            prop_assert!(parts[1].parse::<usize>().unwrap() >= 1);
            prop_assert!(parts[2].parse::<usize>().unwrap() >= 1);
            Ok(())
        }
        Err(other) => Err(TestCaseError::fail(format!("not a located error: {other}"))),
    }
}

fn example() -> Vec<u8> {
    std::fs::read(good("example.pl.xml")).unwrap()
}

const TAGS: &[&str] = &[
    "<product>",
    "</release>",
    "<payload/>",
    "<!DOCTYPE x>",
    "<x:y xmlns:x=\"urn:q\">",
    "&bomb;",
    "<requires product=\"cms\"/>",
    "\"",
    "<![CDATA[",
    "<?pi?>",
    "<!--",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn flipped_bytes_never_panic(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = example();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        located_or_ok(&bytes)?;
    }

    #[test]
    fn truncations_never_panic(at in any::<prop::sample::Index>()) {
        let bytes = example();
        located_or_ok(&bytes[..at.index(bytes.len())])?;
    }

    #[test]
    fn inserted_tags_never_panic(inserts in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(TAGS)), 1..4)) {
        let mut bytes = example();
        for (at, tag) in inserts {
            let i = at.index(bytes.len());
            bytes.splice(i..i, tag.bytes());
        }
        located_or_ok(&bytes)?;
    }
}

/// 100,000 releases of one suite parse, and a last one repeating the first
/// one's version is refused, naming both. (How long the uniqueness check
/// takes at that size, linear and not quadratic, is measured by
/// `cargo bench --bench listing_parse`.)
#[test]
fn many_releases_of_one_product_parse_and_a_repeated_version_among_them_is_found() {
    let text = many_releases(100_000, "");
    let listing = parse(&text).unwrap();
    assert_eq!(listing.products[0].releases.len(), 100_000);
    let text = many_releases(100_000, r#"<release version="1.0" license="free"/>"#);
    let error = parse(&text).unwrap_err().to_string();
    assert!(
        error.contains("unique release version") && error.contains("1.0"),
        "{error}"
    );
}

/// One suite with `count` releases (1.0, 1.1, ...), then `last`.
fn many_releases(count: usize, last: &str) -> String {
    let mut text = String::from(
        r#"<productListing xmlns="urn:airlock:product-listing:1" vendor="Test" name="Many"
            serial="1" published="2026-11-20T10:00:00Z"><product id="s" name="S" kind="suite">"#,
    );
    for i in 0..count {
        text.push_str(&format!(r#"<release version="1.{i}" license="free"/>"#));
    }
    text.push_str(last);
    text.push_str("</product></productListing>");
    text
}
