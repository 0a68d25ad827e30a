//! The product history an offline machine exports for the online side: what
//! is installed, under which licenses, from which listings and bundles. One
//! model for the writer (`state`) and the readers (the incremental plan), and
//! its XML form, whose bytes depend only on the model: the same state exports
//! the same file, because an incremental bundle is bound to its digest.
//! Specified in `bundle-format/HISTORY.md`.

mod canonical;
mod read;

pub use read::{Imported, MAX_BYTES, ReadError};

use crate::listing::Version;
use compact_str::CompactString;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The namespace of the `history` element.
pub const NAMESPACE: &str = "urn:airlock:history:1";
/// The format version written in `history/@version`.
pub const VERSION: u32 = 1;

/// A machine's product history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub machine_id: String,
    pub machine_name: String,
    /// The vendor's installation program, once installed.
    pub installer: Option<Installer>,
    /// Sorted by id.
    pub products: Vec<Product>,
    /// The listings last used, one per vendor and name.
    pub listings: Vec<Listing>,
    /// The bundles installed, in the order they were installed.
    pub bundles: Vec<Bundle>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Installer {
    pub name: String,
    pub version: Version,
}

/// One installed product. Kept small, as a machine may have hundreds of
/// thousands: the id inline when it is short (most are), and the values
/// many products lack boxed, which costs 16 bytes when they are absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    pub id: CompactString,
    /// The installed version: a hot fix's version once one is applied.
    pub version: Version,
    pub hotfix: Option<Box<str>>,
    pub product_code: Option<Box<str>>,
    /// Unix seconds of the first install (written as RFC 3339, UTC).
    pub installed: u64,
    pub license: License,
}

/// A product's license as of the export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct License {
    pub state: LicenseState,
    /// RFC 3339; absent for a perpetual license or a free product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Box<str>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseState {
    Licensed,
    Trial,
    Expired,
    Free,
}

impl LicenseState {
    pub fn word(self) -> &'static str {
        match self {
            LicenseState::Licensed => "licensed",
            LicenseState::Trial => "trial",
            LicenseState::Expired => "expired",
            LicenseState::Free => "free",
        }
    }

    /// The state `word` names, as [`LicenseState::word`] writes it.
    pub fn from_word(word: &str) -> Option<LicenseState> {
        [
            LicenseState::Licensed,
            LicenseState::Trial,
            LicenseState::Expired,
            LicenseState::Free,
        ]
        .into_iter()
        .find(|state| state.word() == word)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub vendor: String,
    pub name: String,
    pub serial: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub id: String,
    pub key_fingerprint: String,
    /// Unix seconds, as the manifest states it.
    pub created: u64,
}

impl History {
    /// The XML document: UTF-8, LF line ends, two-space indents, attributes in
    /// a fixed order, ending with the `digest` of everything before it.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut bytes = self.body_xml();
        let digest = hex::encode(Sha256::digest(&bytes));
        bytes.extend_from_slice(
            format!("  <digest algorithm=\"sha256\">{digest}</digest>\n</history>\n").as_bytes(),
        );
        bytes
    }

    /// The document up to the digest line: what the digest covers.
    fn body_xml(&self) -> Vec<u8> {
        let mut body = Writer::new_with_indent(Vec::new(), b' ', 2);
        // Writing into a Vec cannot fail.
        let _ = self.write_body(&mut body);
        let mut bytes = body.into_inner();
        bytes.push(b'\n');
        bytes
    }

    fn write_body(&self, w: &mut Writer<Vec<u8>>) -> std::io::Result<()> {
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        w.write_event(Event::Start(root_element()))?;
        w.write_event(Event::Empty(self.machine_element()))?;
        if let Some(i) = &self.installer {
            w.write_event(Event::Empty(installer_element(i)))?;
        }
        list(w, "products", &self.products, product_element)?;
        list(w, "listings", &self.listings, listing_element)?;
        list(w, "bundles", &self.bundles, bundle_element)?;
        Ok(())
    }

    /// `<machine>`, as written.
    fn machine_element(&self) -> BytesStart<'_> {
        BytesStart::new("machine").with_attributes([
            ("id", self.machine_id.as_str()),
            ("name", self.machine_name.as_str()),
        ])
    }
}

/// The first line of a history, as written.
const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// The root's start tag, as written: the element builders below are what
/// the writer writes and what the reader compares each line with.
fn root_element() -> BytesStart<'static> {
    BytesStart::new("history").with_attributes([
        ("xmlns", NAMESPACE),
        ("version", VERSION.to_string().as_str()),
    ])
}

fn installer_element(i: &Installer) -> BytesStart<'_> {
    let version = i.version.to_string();
    BytesStart::new("installer")
        .with_attributes([("name", i.name.as_str()), ("version", version.as_str())])
}

fn product_element(p: &Product) -> BytesStart<'_> {
    let mut e = BytesStart::new("product");
    e.push_attribute(("id", p.id.as_str()));
    e.push_attribute(("version", p.version.to_string().as_str()));
    if let Some(h) = &p.hotfix {
        e.push_attribute(("hotfix", &**h));
    }
    if let Some(c) = &p.product_code {
        e.push_attribute(("productCode", &**c));
    }
    e.push_attribute(("installed", crate::text::rfc3339_unix(p.installed).as_str()));
    e.push_attribute(("license", p.license.state.word()));
    if let Some(x) = &p.license.expires {
        e.push_attribute(("licenseExpires", &**x));
    }
    e
}

fn listing_element(l: &Listing) -> BytesStart<'_> {
    let serial = l.serial.to_string();
    BytesStart::new("listing").with_attributes([
        ("vendor", l.vendor.as_str()),
        ("name", l.name.as_str()),
        ("serial", serial.as_str()),
    ])
}

fn bundle_element(b: &Bundle) -> BytesStart<'_> {
    let created = crate::text::rfc3339_unix(b.created);
    BytesStart::new("bundle").with_attributes([
        ("id", b.id.as_str()),
        ("keyFingerprint", b.key_fingerprint.as_str()),
        ("created", created.as_str()),
    ])
}

/// `<NAME>` with one empty element per item, or `<NAME/>` when there is none.
fn list<T>(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    items: &[T],
    element: fn(&T) -> BytesStart<'_>,
) -> std::io::Result<()> {
    if items.is_empty() {
        return w.write_event(Event::Empty(BytesStart::new(name)));
    }
    w.write_event(Event::Start(BytesStart::new(name)))?;
    for item in items {
        w.write_event(Event::Empty(element(item)))?;
    }
    w.write_event(Event::End(BytesEnd::new(name)))?;
    Ok(())
}

/// The sha256 (hex) of an exported history file: what an incremental bundle names as its base.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> History {
        History {
            machine_id: "0123456789abcdef0123456789abcdef".into(),
            machine_name: "srv<1>".into(),
            installer: None,
            products: vec![Product {
                id: "smp".into(),
                version: "8.0.2298.1".parse().unwrap(),
                hotfix: Some("smp-8.0-hf1".into()),
                product_code: Some("{00000000-0000-0000-0000-000000000001}".into()),
                installed: 1_795_000_000,
                license: License {
                    state: LicenseState::Trial,
                    expires: Some(crate::text::rfc3339_unix(1_795_604_800).into()),
                },
            }],
            listings: vec![Listing {
                vendor: "Symantec".into(),
                name: "ITMS & co".into(),
                serial: 2026112001,
            }],
            bundles: Vec::new(),
        }
    }

    #[test]
    fn the_document_is_fixed_by_the_model_and_ends_with_its_digest() {
        let xml = String::from_utf8(sample().to_xml()).unwrap();
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<history xmlns="urn:airlock:history:1" version="1">
  <machine id="0123456789abcdef0123456789abcdef" name="srv&lt;1&gt;"/>
  <products>
    <product id="smp" version="8.0.2298.1" hotfix="smp-8.0-hf1" productCode="{00000000-0000-0000-0000-000000000001}" installed="2026-11-18T11:06:40Z" license="trial" licenseExpires="2026-11-25T11:06:40Z"/>
  </products>
  <listings>
    <listing vendor="Symantec" name="ITMS &amp; co" serial="2026112001"/>
  </listings>
  <bundles/>
"#;
        assert!(xml.starts_with(expected), "{xml}");
        let digest = digest(expected.as_bytes());
        assert!(
            xml.ends_with(&format!(
                "  <digest algorithm=\"sha256\">{digest}</digest>\n</history>\n"
            )),
            "{xml}"
        );
        assert_eq!(sample().to_xml(), sample().to_xml());
    }
}
