//! Installer properties: the `--answers FILE` (TOML, one table per product:
//! `[smp] INSTALLDIR = 'D:\Altiris'`), the package's defaults, and what is
//! asked on a terminal. One answers file serves a machine across bundles, so
//! it is checked per product against every step of the bundle: an answer no
//! step takes is a warning (the next bundle may take it). A required property
//! with no value, or a value the installer's command line cannot carry as one
//! property, stops the install before anything changes.

use super::backend::Property;
use crate::package::Step;
use crate::text::escaped;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The most read of an answers file: a few properties per product.
const MAX_BYTES: u64 = 1 << 20;

/// Values per product, then per property name.
#[derive(Debug, Default)]
pub struct Answers {
    file: Option<PathBuf>,
    values: BTreeMap<String, BTreeMap<String, String>>,
}

/// The properties of the steps that run, and what the answers leave open.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The properties of each running step, by position.
    pub properties: Vec<Vec<Property>>,
    /// Answers this bundle does not use, one line each (never an error).
    pub unused: Vec<String>,
    /// Required properties with no value, as `[product] NAME (description)`.
    pub missing: Vec<String>,
}

/// Why an answers file cannot be used, or an answer cannot be had; each
/// names the file, the table and the property.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{}{}: not a TOML answers file ({}); write one table per product, \
         e.g. [smp] INSTALLDIR = 'D:\\Altiris'",
        file.display(), at(*line), escaped(message)
    )]
    Syntax {
        file: PathBuf,
        line: Option<usize>,
        message: String,
    },
    #[error(
        "{}{}: `{}` is not a table: write [{2}] and its properties below it",
        file.display(), at(*line), escaped(product)
    )]
    NotATable {
        file: PathBuf,
        line: Option<usize>,
        product: String,
    },
    #[error(
        "{}{}: [{}] {}: the value must be a string in quotes",
        file.display(), at(*line), escaped(product), escaped(name)
    )]
    NotAString {
        file: PathBuf,
        line: Option<usize>,
        product: String,
        name: String,
    },
    /// Values the installer's command line cannot carry, one line each.
    #[error(
        "{}. Nothing was changed: give the installer a value it can take as one \
         property and run the install again",
        .0.join("; ")
    )]
    Uncarried(Vec<String>),
    #[error("reading the answer for [{product}] {name}: {source}")]
    Prompt {
        product: String,
        name: String,
        #[source]
        source: dialoguer::Error,
    },
}

/// `:LINE`, or nothing.
fn at(line: Option<usize>) -> String {
    line.map(|n| format!(":{n}")).unwrap_or_default()
}

/// What the typed reading found wrong, with the table and property it was
/// reading, before the TOML reader adds where.
enum Shape {
    NotATable { product: String },
    NotAString { product: String, name: String },
}

/// The file: one table per product.
struct FileSeed<'a>(&'a RefCell<Option<Shape>>);

/// One product's table: property names and their string values.
struct TableSeed<'a> {
    product: &'a str,
    shape: &'a RefCell<Option<Shape>>,
}

type Values = BTreeMap<String, BTreeMap<String, String>>;

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = Values;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Values, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = Values;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("one table per product")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Values, M::Error> {
        let mut values = Values::new();
        while let Some(product) = map.next_key::<String>()? {
            let seed = TableSeed {
                product: &product,
                shape: self.0,
            };
            let table = map.next_value_seed(seed)?;
            values.insert(product, table);
        }
        Ok(values)
    }
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_> {
    type Value = BTreeMap<String, String>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        let (product, shape) = (self.product, self.shape);
        de.deserialize_map(self).inspect_err(|_| {
            shape.borrow_mut().get_or_insert_with(|| Shape::NotATable {
                product: product.to_string(),
            });
        })
    }
}

impl<'de> Visitor<'de> for TableSeed<'_> {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a table of properties for {}", self.product)
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let mut named = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value::<String>().inspect_err(|_| {
                *self.shape.borrow_mut() = Some(Shape::NotAString {
                    product: self.product.to_string(),
                    name: name.clone(),
                });
            })?;
            named.insert(name, value);
        }
        Ok(named)
    }
}

impl Answers {
    /// Reads the answers file; every value must be a string.
    pub fn load(path: Option<&Path>) -> Result<Answers, Error> {
        let Some(path) = path else {
            return Ok(Answers::default());
        };
        let file = path.to_path_buf();
        let text = bundle_format::regular::read_text(path, MAX_BYTES, "an answers file").map_err(
            |source| Error::Read {
                file: file.clone(),
                source,
            },
        )?;
        let shape = RefCell::new(None);
        let values = toml::Deserializer::parse(&text)
            .and_then(|de| FileSeed(&shape).deserialize(de))
            .map_err(|e| {
                let line = e
                    .span()
                    .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
                let file = file.clone();
                match shape.into_inner() {
                    Some(Shape::NotATable { product }) => Error::NotATable {
                        file,
                        line,
                        product,
                    },
                    Some(Shape::NotAString { product, name }) => Error::NotAString {
                        file,
                        line,
                        product,
                        name,
                    },
                    None => Error::Syntax {
                        file,
                        line,
                        message: e.message().trim().to_string(),
                    },
                }
            })?;
        Ok(Answers {
            file: Some(file),
            values,
        })
    }

    /// ` in FILE`, or nothing without an answers file.
    fn from(&self) -> String {
        in_file(self.file.as_deref())
    }

    /// Answers that no step of `all` (every step of the bundle) takes: a
    /// table for a product the bundle does not hold, a property no step of
    /// that product takes. Each line names it, with a close name to suggest.
    pub fn unused(&self, all: &[Step]) -> Vec<String> {
        let mut takes: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for step in all {
            let names = takes.entry(step.product.as_str()).or_default();
            names.extend(step.properties.iter().map(|p| p.name.as_str()));
        }
        let from = self.from();
        let mut out = Vec::new();
        for (product, given) in &self.values {
            let Some(names) = takes.get(product.as_str()) else {
                out.push(format!(
                    "[{}]{from}: this bundle installs no {0}; its answers are left for another \
                     bundle{}",
                    escaped(product),
                    did_you_mean(product, takes.keys().copied())
                ));
                continue;
            };
            for name in given.keys().filter(|n| !names.contains(n.as_str())) {
                let hint = if names.is_empty() {
                    format!(" ({product} takes no property in this bundle)")
                } else {
                    did_you_mean(name, names.iter().copied())
                };
                out.push(format!(
                    "[{product}] {}{from}: no step of {product} in this bundle takes it; \
                     it is not used{hint}",
                    escaped(name)
                ));
            }
        }
        out
    }

    /// The properties of each step in `running` (by position), from the
    /// answers, the defaults, or a terminal when `ask` and there is one;
    /// `all` is every step of the bundle, for [`Answers::unused`]. Fails
    /// only when the terminal cannot be read.
    pub fn resolve(&self, all: &[Step], running: &[&Step], ask: bool) -> Result<Resolved, Error> {
        let ask = ask && std::io::stdin().is_terminal();
        let from = self.from();
        let mut asked: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut missing = Vec::new();
        let mut uncarried = Vec::new();
        let mut properties = Vec::new();
        for step in running {
            let mut props = Vec::new();
            for p in &step.properties {
                let key = (step.product.clone(), p.name.clone());
                let answered = self
                    .values
                    .get(&step.product)
                    .and_then(|v| v.get(&p.name))
                    .map(|v| (v.clone(), from.clone()));
                let value = answered
                    .or_else(|| asked.get(&key).map(|v| (v.clone(), " as typed".into())))
                    .or_else(|| {
                        let default = p.default.clone()?;
                        Some((default, " (its default in the bundle)".into()))
                    });
                let value = match value {
                    Some(v) => Some(v),
                    None if p.required && ask => {
                        let v = prompt(step, p)?;
                        asked.insert(key, v.clone());
                        Some((v, " as typed".into()))
                    }
                    None => None,
                };
                match value {
                    Some((value, source)) => {
                        let property = Property {
                            name: p.name.clone(),
                            value,
                            secret: p.secret,
                        };
                        if let Some(why) = property.uncarried() {
                            uncarried.push(format!(
                                "[{}] {}{source}: the value {why}",
                                step.product,
                                escaped(&p.name)
                            ));
                        }
                        props.push(property);
                    }
                    None if p.required => {
                        let line = format!("[{}] {}{}", step.product, p.name, described(p));
                        if !missing.contains(&line) {
                            missing.push(line);
                        }
                    }
                    None => {}
                }
            }
            properties.push(props);
        }
        if !uncarried.is_empty() {
            return Err(Error::Uncarried(uncarried));
        }
        Ok(Resolved {
            properties,
            unused: self.unused(all),
            missing,
        })
    }

    /// The refusal when required properties have no value: it names each.
    pub fn refusal(&self, missing: &[String]) -> Option<Unanswered> {
        (!missing.is_empty()).then(|| Unanswered {
            file: self.file.clone(),
            missing: missing.to_vec(),
        })
    }
}

/// Required installer properties with no value (each as `[product] NAME`):
/// the install is refused before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "required installer properties have no value{}: {}. Nothing was changed: \
     give them in an answers file (--answers FILE, TOML: [product] NAME = 'value') \
     and run the install again",
    in_file(file.as_deref()),
    missing.join(", ")
)]
pub struct Unanswered {
    /// The answers file read, if any.
    pub file: Option<std::path::PathBuf>,
    pub missing: Vec<String>,
}

/// ` in FILE` for the answers file read, or nothing without one.
fn in_file(file: Option<&std::path::Path>) -> String {
    file.map(|f| format!(" in {}", f.display()))
        .unwrap_or_default()
}

/// ` (did you mean X?)` when a known name is close to `wanted`, else nothing.
fn did_you_mean<'a>(wanted: &str, known: impl Iterator<Item = &'a str> + Clone) -> String {
    let same_but_case = known.clone().find(|k| k.eq_ignore_ascii_case(wanted));
    let close = match same_but_case {
        Some(k) => vec![k.to_string()],
        None => crate::suggest::close_ids(wanted, known),
    };
    match close.as_slice() {
        [] => String::new(),
        names => format!(" (did you mean {}?)", names.join(" or ")),
    }
}

/// A property's description as shown after its name: ` (text)`, escaped, or nothing.
fn described(p: &crate::package::Property) -> String {
    p.description
        .as_deref()
        .map(|d| format!(" ({})", escaped(d)))
        .unwrap_or_default()
}

/// Asks for one property on the terminal; a secret is read without echo
/// (on Windows too). Ctrl-C ends the run with the terminal as it was.
fn prompt(step: &Step, p: &crate::package::Property) -> Result<String, Error> {
    let question = format!(
        "{} ({}) needs {}{}",
        escaped(&step.name),
        step.product,
        p.name,
        described(p)
    );
    let read = if p.secret {
        dialoguer::Password::new().with_prompt(question).interact()
    } else {
        dialoguer::Input::<String>::new()
            .with_prompt(question)
            .interact_text()
    };
    read.map_err(|e| match e {
        dialoguer::Error::IO(e) if e.kind() == std::io::ErrorKind::Interrupted => {
            crate::interrupt::interrupted()
        }
        source => Error::Prompt {
            product: step.product.clone(),
            name: p.name.clone(),
            source,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(product: &str, properties: &[(&str, bool)]) -> Step {
        let mut s: Step = serde_json::from_value(serde_json::json!({
            "product": product, "name": product, "kind": "solution", "version": "1.0.0.0",
            "action": "install", "method": "msi", "file": "f.msi", "reason": "selected",
            "arch": "x64", "license": "free", "properties": [], "checks": [], "requires": [],
            "retainOnCascade": false, "replaces": []
        }))
        .unwrap();
        s.properties = properties
            .iter()
            .map(|(name, required)| crate::package::Property {
                name: name.to_string(),
                required: *required,
                secret: false,
                default: None,
                description: None,
            })
            .collect();
        s
    }

    fn answers(text: &str) -> Answers {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.toml");
        std::fs::write(&path, text).unwrap();
        let mut a = Answers::load(Some(&path)).unwrap();
        a.file = Some(PathBuf::from("answers.toml"));
        a
    }

    #[test]
    fn an_answer_for_a_later_step_of_the_product_is_valid_for_the_bundle() {
        // A hot fix that takes nothing, then the release that needs the password.
        let all = [step("smp", &[]), step("smp", &[("NS_PASSWORD", true)])];
        let a = answers("[smp]\nNS_PASSWORD = 'x'\n");
        let running: Vec<&Step> = all.iter().collect();
        let r = a.resolve(&all, &running, false).unwrap();
        assert_eq!(r.unused, Vec::<String>::new());
        assert_eq!(r.missing, Vec::<String>::new());
        assert_eq!(r.properties[0].len(), 0);
        assert_eq!(r.properties[1][0].name, "NS_PASSWORD");
    }

    #[test]
    fn answers_no_step_takes_are_warnings_with_a_suggestion() {
        let all = [step("smp", &[("NS_PASSWORD", true)]), step("patch", &[])];
        let a = answers(
            "[smp]\nNS_PASWORD = 'x'\nns_password = 'y'\nOTHER = 'z'\n[patch]\nA = 'b'\n[smpp]\nX = '1'\n",
        );
        assert_eq!(
            a.unused(&all),
            [
                "[patch] A in answers.toml: no step of patch in this bundle takes it; it is not \
                 used (patch takes no property in this bundle)",
                "[smp] NS_PASWORD in answers.toml: no step of smp in this bundle takes it; it is \
                 not used (did you mean NS_PASSWORD?)",
                "[smp] OTHER in answers.toml: no step of smp in this bundle takes it; it is not used",
                "[smp] ns_password in answers.toml: no step of smp in this bundle takes it; it is \
                 not used (did you mean NS_PASSWORD?)",
                "[smpp] in answers.toml: this bundle installs no smpp; its answers are left for \
                 another bundle (did you mean smp?)",
            ]
        );
    }

    fn refused(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.toml");
        std::fs::write(&path, text).unwrap();
        let e = Answers::load(Some(&path)).unwrap_err();
        e.to_string()
            .replace(&path.display().to_string(), "answers.toml")
    }

    #[test]
    fn a_file_of_the_wrong_shape_is_named_by_line_table_and_property() {
        assert_eq!(
            refused("[smp]\nINSTALLDIR = 'D:\\x'\nNS_PORT = 8080\n"),
            "answers.toml:3: [smp] NS_PORT: the value must be a string in quotes"
        );
        assert_eq!(
            refused("smp = 'D:\\x'\n"),
            "answers.toml:1: `smp` is not a table: write [smp] and its properties below it"
        );
        assert_eq!(
            refused("[smp]\nINSTALLDIR = 'unterminated\n"),
            "answers.toml:2: not a TOML answers file (invalid literal string, expected `'`); write one \
             table per product, e.g. [smp] INSTALLDIR = 'D:\\Altiris'"
        );
        assert!(matches!(
            Answers::load(Some(Path::new("/nonexistent/answers.toml"))),
            Err(Error::Read { .. })
        ));
    }

    #[test]
    fn a_required_property_without_a_value_is_named_once() {
        let all = [
            step("smp", &[("NS_PASSWORD", true)]),
            step("smp", &[("NS_PASSWORD", true)]),
        ];
        let a = answers("");
        let running: Vec<&Step> = all.iter().collect();
        let r = a.resolve(&all, &running, false).unwrap();
        assert_eq!(r.missing, ["[smp] NS_PASSWORD"]);
        let refusal = a.refusal(&r.missing).unwrap().to_string();
        assert!(
            refusal.starts_with(
                "required installer properties have no value in answers.toml: [smp] NS_PASSWORD."
            ),
            "{refusal}"
        );
        assert_eq!(a.refusal(&[]), None);
    }
}
