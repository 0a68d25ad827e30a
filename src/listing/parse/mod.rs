//! Building the model from one listing document: each element of the
//! contract, its attributes checked and converted, in one pass over the
//! events of `xml`. This module holds the pass and the value rules every
//! element shares; the elements are read by group in the modules below.
//! A large listing is read on two cores: the second half of its root's
//! children on another thread, taken only where it reads exactly as this
//! pass would have (see `Cursor::root_children`). Rules that span elements
//! across the whole catalog (references, cycles, unique ids) are in
//! `validate`.

mod document;
mod fixes;
mod payload;
mod product;

use super::Error;
use super::model::*;
use super::position::Doc;
use super::version::{Requirement, Version};
use super::xml::{Elem, Events, NAMESPACE, Step, Tag, check_chars};
use quick_xml::events::BytesStart;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use url::Url;

/// Byte offsets of the elements the catalog-wide rules point at, each vector
/// in document order: the n-th release of the listing (product by product,
/// releases as written) is at `releases[n]`, its `requires` follow those of the
/// releases before it in `requires`, and so on. Flat, so that marking costs no
/// allocation per element. The many (payloads, releases and what they
/// name) as [`Offset`]s.
#[derive(Default)]
pub(crate) struct Marks {
    /// Every payload, in document order.
    pub files: Vec<FileMark>,
    pub eulas: Vec<usize>,
    pub products: Vec<usize>,
    pub releases: Vec<Offset>,
    pub requires: Vec<Offset>,
    pub recommends: Vec<Offset>,
    pub replaces: Vec<Offset>,
    pub hotfixes: Vec<usize>,
    pub critical_updates: Vec<usize>,
}

impl Marks {
    /// Adds the marks of the elements after those marked here.
    fn append(&mut self, later: Marks) {
        let Marks {
            files,
            eulas,
            products,
            releases,
            requires,
            recommends,
            replaces,
            hotfixes,
            critical_updates,
        } = later;
        document::append(&mut self.files, files);
        document::append(&mut self.eulas, eulas);
        document::append(&mut self.products, products);
        document::append(&mut self.releases, releases);
        document::append(&mut self.requires, requires);
        document::append(&mut self.recommends, recommends);
        document::append(&mut self.replaces, replaces);
        document::append(&mut self.hotfixes, hotfixes);
        document::append(&mut self.critical_updates, critical_updates);
    }
}

/// A byte offset in a listing, which is at most 64 MiB
/// ([`MAX_LISTING_BYTES`](super::MAX_LISTING_BYTES)): half a `usize`.
pub(crate) type Offset = u32;

/// `at` as an [`Offset`]; past 4 GiB, which no listing read reaches, the
/// last one, so that a message points near rather than nowhere.
pub(crate) fn offset(at: usize) -> Offset {
    Offset::try_from(at).unwrap_or(Offset::MAX)
}

/// A payload as the run-wide file rules see it: where it is and which
/// element holds it. Its name and size are those of that element's payload
/// in the model, where each kind of element is in document order.
#[derive(Clone, Copy)]
pub(crate) struct FileMark {
    /// Offset of its `<payload>`.
    pub at: Offset,
    /// `installer`, `eula`, `release` or `hotfix`.
    pub owner: Tag,
}

/// Documents from this size on have their characters checked and their
/// digest made on a second thread while this one parses; below it, starting
/// a thread costs more than it saves.
const ALONGSIDE: usize = 1 << 20;

/// Parses one document. `base` is the URL relative payload URLs resolve against.
/// The result keeps the element positions `validate` needs.
///
/// The two passes over every byte that do not need the parse, the character
/// check (rule 6) and the SHA-256 of the listing, run beside it, on another
/// core for a large document. The character check's error comes first, as
/// though it had run before the parse: what the parse says of a document
/// holding a character XML refuses does not count.
pub(crate) fn parse<'a>(doc: Doc<'a>, base: &'a Url) -> Result<(Listing, Marks), Error> {
    let whole = || -> Result<[u8; 32], Error> {
        check_chars(&doc)?;
        Ok(Sha256::digest(doc.text.as_bytes()).into())
    };
    let (sha256, parsed) = if doc.text.len() >= ALONGSIDE {
        std::thread::scope(|s| {
            let beside = s.spawn(whole);
            let parsed = read(doc, base);
            // The closure cannot panic on its own; a panic is passed on as is.
            let sha256 = beside
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (sha256, parsed)
        })
    } else {
        (whole(), read(doc, base))
    };
    let sha256 = sha256?;
    let (mut listing, marks) = parsed?;
    listing.sha256 = sha256;
    Ok((listing, marks))
}

/// Documents from this size on (a few thousand products) have the second
/// half of their root's children read on another thread, see
/// [`Cursor::root_children`]; parsing the half of a smaller one takes little
/// more than starting the thread.
const IN_TWO: usize = 4 << 20;

/// The parse of [`parse`], its characters checked apart.
fn read<'a>(doc: Doc<'a>, base: &'a Url) -> Result<(Listing, Marks), Error> {
    read_split_from(doc, base, IN_TWO)
}

/// [`read`], the root's children read in two from documents of `in_two`
/// bytes on.
fn read_split_from<'a>(
    doc: Doc<'a>,
    base: &'a Url,
    in_two: usize,
) -> Result<(Listing, Marks), Error> {
    let mut cursor = Cursor::new(Events::new(doc), doc, base, doc.text.len());
    let root = match cursor.xml.next()? {
        Step::Child(root) => root,
        Step::Close | Step::End => {
            return Err(doc.invalid(
                doc.text.len(),
                "productListing",
                format!("the document has no <productListing xmlns=\"{NAMESPACE}\"> root element"),
            ));
        }
    };
    let split = if doc.text.len() >= in_two && root.open {
        split_point(doc.text, &root.start)
    } else {
        None
    };
    let listing = match split {
        Some(from) => std::thread::scope(|s| {
            let rest = cursor.xml.part(from);
            let root_at = root.at;
            let half = s.spawn(move || {
                Cursor::new(rest, doc, base, doc.text.len() - from).rest_of_root(root_at)
            });
            cursor.listing(root, Some((from, half)))
        })?,
        None => cursor.listing(root, None)?,
    };
    // After the root only the end of the document can come: `next` refuses a
    // second root element itself.
    if let Step::Child(e) = cursor.xml.next()? {
        return Err(cursor.xml.misplaced(&e, "the document", "nothing"));
    }
    Ok((listing, cursor.marks))
}

/// Where the second half of the root's children likely starts: the first
/// tag named like a `<product>` of the root's prefix from the middle of
/// `text` on. Only a guess: comments, CDATA sections and foreign elements
/// may hold the same text, which the parse finds out when it gets there.
fn split_point(text: &str, root: &BytesStart<'_>) -> Option<usize> {
    let name = root.name().into_inner();
    let prefix = &name[..name.len() - root.local_name().into_inner().len()];
    let tag = format!("<{prefix}product");
    let middle = text.len() / 2;
    let middle = (middle..text.len()).find(|&i| text.is_char_boundary(i))?;
    text[middle..].find(&tag).map(|i| middle + i)
}

/// One document's parse in progress: its events, where its relative URLs
/// resolve, and what has been seen so far.
struct Cursor<'a> {
    xml: Events<'a>,
    doc: Doc<'a>,
    base: &'a Url,
    /// The folder URL of the listing (`…/`); a local listing's relative
    /// payload URLs must stay in it. Shared by the payload URLs below it.
    base_dir: Arc<String>,
    marks: Marks,
    /// The current product's release versions so far, each with its index
    /// among them (a product's releases stay linear to check, however many).
    release_at: FxHashMap<Version, usize>,
    /// The current release's property names so far, each with its offset.
    /// Both maps are emptied, not dropped, between elements: one allocation
    /// for the whole document.
    property_at: FxHashMap<Cow<'a, str>, usize>,
    /// The current release's lists so far.
    lists: product::Lists,
}

impl<'a> Cursor<'a> {
    /// The parse of `xml`, which has `size` bytes left to read.
    fn new(xml: Events<'a>, doc: Doc<'a>, base: &'a Url, size: usize) -> Cursor<'a> {
        Cursor {
            xml,
            doc,
            base,
            base_dir: Arc::new(base.join(".").map(String::from).unwrap_or_default()),
            marks: Marks {
                // Roughly one payload per 500 bytes of a large listing: sized once.
                files: Vec::with_capacity(size / 500),
                ..Marks::default()
            },
            release_at: FxHashMap::default(),
            property_at: FxHashMap::default(),
            lists: product::Lists::default(),
        }
    }

    /// Children of `parent` until its end tag, each handed to `f`.
    fn children(
        &mut self,
        parent: &Elem<'a>,
        mut f: impl FnMut(&mut Self, Elem<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if !parent.open {
            return Ok(());
        }
        loop {
            match self.xml.next()? {
                Step::Child(child) => f(self, child)?,
                Step::Close => return Ok(()),
                Step::End => return Err(self.ends_inside(parent.at, parent.tag.name())),
            }
        }
    }

    /// The element at `at` named `name` is not closed.
    fn ends_inside(&self, at: usize, name: &str) -> Error {
        self.doc
            .invalid(at, name, "the document ends inside this element; close it")
    }

    /// An element that takes no children.
    fn leaf(&mut self, e: &Elem<'a>) -> Result<(), Error> {
        self.children(e, |cur, child| {
            Err(cur.xml.misplaced(&child, e.tag.name(), "no child elements"))
        })
    }

    fn bad(&self, e: &Elem<'_>, message: impl Into<String>) -> Error {
        self.doc.invalid(e.at, e.tag.name(), message)
    }

    fn required<'v>(
        &self,
        e: &Elem<'_>,
        name: &str,
        value: Option<Cow<'v, str>>,
    ) -> Result<Cow<'v, str>, Error> {
        match value {
            Some(v) if !v.trim().is_empty() => Ok(v),
            Some(_) => Err(self.bad(
                e,
                format!("required attribute: `{name}` is empty; give it a value"),
            )),
            None => Err(self.bad(
                e,
                format!(
                    "required attribute: <{}> needs `{name}`; add it",
                    e.tag.name()
                ),
            )),
        }
    }

    /// `value` borrowed from the document itself when it is written there as is
    /// (no entity to replace), so it can outlive the element it was read from.
    fn in_document(&self, value: &str) -> Cow<'a, str> {
        let text = self.doc.text;
        let offset = (value.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        match text.get(offset..offset + value.len()) {
            Some(slice) if std::ptr::eq(slice.as_ptr(), value.as_ptr()) => Cow::Borrowed(slice),
            _ => Cow::Owned(value.to_string()),
        }
    }

    fn text(&self, e: &Elem<'_>, name: &str, value: Option<Cow<'_, str>>) -> Result<Text, Error> {
        self.required(e, name, value).map(|v| Text::from(&*v))
    }

    fn version(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<Version, Error> {
        value.trim().parse().map_err(|err| {
            self.bad(
                e,
                format!("version syntax: `{name}`: {err}; write 1 to 4 dot-separated numbers, like 8.0.2298.0"),
            )
        })
    }

    fn requirement(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<Requirement, Error> {
        value.parse().map_err(|err| {
            self.bad(
                e,
                format!(
                    "requirement syntax: `{name}`: {err}; write comparators joined by commas, like >=7.6,<8.1 or 8.0.*"
                ),
            )
        })
    }

    fn u64(&self, e: &Elem<'_>, name: &str, value: &str, rule: &str) -> Result<u64, Error> {
        let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        match value.parse::<u64>() {
            Ok(n) if digits => Ok(n),
            _ => Err(self.bad(
                e,
                format!(
                    "{rule}: `{name}` {value:?} is not an unsigned 64-bit number; write decimal digits only (at most 18446744073709551615)"
                ),
            )),
        }
    }

    fn date(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<OffsetDateTime, Error> {
        OffsetDateTime::parse(value, &Rfc3339).map_err(|err| {
            self.bad(
                e,
                format!(
                    "date: `{name}` {value:?} is not an RFC 3339 date ({err}); write it like 2026-11-20T10:00:00Z"
                ),
            )
        })
    }

    fn flag(&self, e: &Elem<'_>, name: &str, value: Option<&str>) -> Result<bool, Error> {
        match value {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(self.bad(
                e,
                format!("boolean: `{name}` is {other:?}; write true or false"),
            )),
        }
    }

    fn one_of<T: Copy>(
        &self,
        e: &Elem<'_>,
        name: &str,
        value: &str,
        choices: &[(&str, T)],
    ) -> Result<T, Error> {
        choices
            .iter()
            .find(|(text, _)| *text == value)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let allowed: Vec<&str> = choices.iter().map(|(t, _)| *t).collect();
                self.bad(
                    e,
                    format!(
                        "allowed values: `{name}` is {value:?}; it must be one of {}",
                        allowed.join(", ")
                    ),
                )
            })
    }

    fn product_id(&self, e: &Elem<'_>, name: &str, value: &str) -> Result<(), Error> {
        if is_product_id(value) {
            return Ok(());
        }
        Err(self.bad(
            e,
            format!(
                "id syntax: `{name}` {value:?} is not a product id; ids match [a-z0-9][a-z0-9._-]* (lowercase letters, digits, '.', '_', '-')"
            ),
        ))
    }

    /// An id of an eula, hot fix or critical update: non-empty, no spaces.
    fn plain_id(&self, e: &Elem<'_>, value: &str) -> Result<(), Error> {
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(self.bad(
                e,
                format!(
                    "id syntax: `id` {value:?} contains spaces or control characters; remove them"
                ),
            ));
        }
        Ok(())
    }
}

/// `[a-z0-9][a-z0-9._-]*`
pub(crate) fn is_product_id(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, hex digits of either case.
pub(crate) fn is_guid(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
        return false;
    };
    let mut groups = inner.split('-');
    [8, 4, 4, 4, 12].iter().all(|&n| {
        groups
            .next()
            .is_some_and(|g| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
    }) && groups.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checked beside the parse or before it, a character XML refuses is
    /// the error, even after markup the parse refuses.
    #[test]
    fn a_refused_character_is_the_error_however_large_the_document() {
        let base = Url::parse("https://vendor.example/l.pl.xml").unwrap();
        for filler in [0, ALONGSIDE] {
            let text = format!(
                "<productListing xmlns=\"{NAMESPACE}\"><oops></productListing>{}\u{1}",
                "<!-- -->".repeat(filler / 8)
            );
            let doc = Doc {
                name: "l.pl.xml",
                text: &text,
            };
            let Err(error) = parse(doc, &base) else {
                panic!("a refused document");
            };
            let message = error.to_string();
            assert!(message.contains("U+0001 is not allowed"), "{message}");
            let line_end = text.len() - 1;
            assert!(
                message.starts_with(&format!("l.pl.xml:1:{}: ", line_end + 1)),
                "{message}"
            );
        }
    }

    /// A listing of `count` products in the root `<{prefix}productListing>`,
    /// `head` its first children, `middle` just before the product the split
    /// is looked for from and `bad` the product given an unknown kind.
    fn products(prefix: &str, head: &str, middle: &str, bad: &[usize]) -> String {
        let count = 200;
        let xmlns = match prefix {
            "" => "xmlns".to_string(),
            p => format!("xmlns:{}", &p[..p.len() - 1]),
        };
        let product = |i: usize| {
            let kind = if bad.contains(&i) { "odd" } else { "suite" };
            format!(
                "  <{prefix}product id=\"p{i}\" name=\"P{i}\" kind=\"{kind}\">\
                 <{prefix}release version=\"1.{i}\" license=\"free\"/>\
                 <!-- a comment -->\
                 <{prefix}release version=\"2.{i}\" license=\"free\"/>\
                 </{prefix}product>\n"
            )
        };
        let before: String = (0..count / 2).map(product).collect();
        let after: String = (count / 2..count).map(product).collect();
        // As many bytes before the products as the middle has, so that the
        // middle of the text is where `middle` starts.
        let pad = " ".repeat(middle.len() + after.len().saturating_sub(before.len()));
        format!(
            "<{prefix}productListing {xmlns}=\"{NAMESPACE}\" vendor=\"V\" name=\"L\" serial=\"1\" published=\"2026-11-20T10:00:00Z\">\n\
             {head}{pad}\n{before}{middle}{after}</{prefix}productListing>\n"
        )
    }

    /// The parse of `text` read in two and read in one, which must agree:
    /// the listing with its marks, or the error.
    fn both_ways(text: &str) -> Result<String, String> {
        let base = Url::parse("https://vendor.example/l.pl.xml").unwrap();
        let doc = Doc {
            name: "l.pl.xml",
            text,
        };
        let show = |parsed: Result<(Listing, Marks), Error>| match parsed {
            Ok((listing, marks)) => Ok(format!(
                "{listing:?} {:?} {:?} {:?} {:?}",
                marks.products,
                marks.releases,
                marks.eulas,
                marks
                    .files
                    .iter()
                    .map(|f| (f.at, f.owner))
                    .collect::<Vec<_>>()
            )),
            Err(error) => Err(error.to_string()),
        };
        let in_two = show(read_split_from(doc, &base, 0));
        assert_eq!(in_two, show(read_split_from(doc, &base, usize::MAX)));
        in_two
    }

    /// Where [`split_point`] puts the split of `text`.
    fn split_of(text: &str) -> &str {
        let root = &text[1..text.find(' ').unwrap()];
        let at = split_point(text, &BytesStart::new(root)).unwrap();
        &text[at..]
    }

    #[test]
    fn a_listing_read_in_two_is_the_listing_read_in_one() {
        for prefix in ["", "l:"] {
            let text = products(prefix, "", "", &[]);
            assert!(split_of(&text).starts_with(&format!("<{prefix}product id=\"p100\"")));
            let parsed = both_ways(&text).unwrap();
            assert_eq!(parsed.matches("Product {").count(), 200, "{prefix}");
            assert!(parsed.contains("id: \"p199\""), "{prefix}");
        }
    }

    #[test]
    fn the_first_error_of_a_listing_read_in_two_is_the_error() {
        for prefix in ["", "l:"] {
            for (bad, line) in [(&[10][..], 13), (&[150], 153), (&[10, 150], 13)] {
                let text = products(prefix, "", "", bad);
                let error = both_ways(&text).unwrap_err();
                assert!(
                    error.starts_with(&format!("l.pl.xml:{line}:3: ")),
                    "{error}"
                );
                assert!(
                    error.contains("allowed values: `kind` is \"odd\""),
                    "{error}"
                );
            }
        }
    }

    #[test]
    fn a_product_tag_at_the_split_that_is_not_one_changes_nothing() {
        let comment = "<!-- <product id=\"x\"> -->";
        let foreign = "<x:note xmlns:x=\"urn:x\"><product id=\"x\"/></x:note>";
        for middle in [comment, foreign] {
            let text = products("", "", middle, &[]);
            assert!(split_of(&text).starts_with("<product id=\"x\""), "{middle}");
            let parsed = both_ways(&text).unwrap();
            assert_eq!(parsed.matches("Product {").count(), 200, "{middle}");
            assert!(!parsed.contains("id: \"x\""), "{middle}");
        }
        let cdata = "<![CDATA[ <product id=\"x\"> ]]>";
        let text = products("", "", cdata, &[]);
        assert!(split_of(&text).starts_with("<product id=\"x\""));
        let error = both_ways(&text).unwrap_err();
        assert!(error.contains("no text"), "{error}");
    }

    #[test]
    fn a_second_installer_after_the_split_is_the_error() {
        let installer = |version: &str| {
            format!(
                "<installer name=\"Setup\" {version}><payload kind=\"exe\" file=\"setup.exe\" url=\"setup.exe\" size=\"1\" sha256=\"{}\"/></installer>",
                "0".repeat(64)
            )
        };
        let first = installer("version=\"1.0\"");
        // The second one is not read: that there is one is the error.
        let second = format!("{}\n", installer(""));
        let text = products("", &first, &second, &[150]);
        assert!(split_of(&text).starts_with("<product id=\"p100\""));
        assert!(text.find(&second).unwrap() > text.len() / 2);
        let error = both_ways(&text).unwrap_err();
        assert!(error.starts_with("l.pl.xml:103:1: "), "{error}");
        assert!(error.contains("one installer"), "{error}");
        // One installer, after the split, is the listing's.
        let text = products("", "", &format!("{}\n", installer("version=\"1.0\"")), &[]);
        assert!(both_ways(&text).unwrap().contains("installer: Some("));
    }

    #[test]
    fn guids_are_braced_8_4_4_4_12_hex() {
        assert!(is_guid("{6C0B2B2E-1F3A-4d5e-9A7B-0C1D2E3F4A5B}"));
        for bad in [
            "6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B",
            "{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5}",
            "{6C0B2B2E-1F3A-4D5E-9A7B-0C1D2E3F4A5B-0}",
            "{6C0B2B2E-1F3A-4D5E-9A7B0C1D2E3F4A5B}",
            "{6C0B2B2G-1F3A-4D5E-9A7B-0C1D2E3F4A5B}",
        ] {
            assert!(!is_guid(bad), "{bad}");
        }
    }
}
