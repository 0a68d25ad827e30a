//! Installer properties: the `--answers FILE` (TOML, one table per product:
//! `[smp] INSTALLDIR = 'D:\Altiris'`), the package's defaults, and what is
//! asked on a terminal. A required property with no value, or a value the
//! installer's command line cannot carry as one property, stops the install
//! before anything changes.

use super::backend::Property;
use crate::package::Step;
use crate::text::escaped;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The most read of an answers file: a few properties per product.
const MAX_BYTES: u64 = 1 << 20;

/// Values per product, then per property name.
#[derive(Debug, Default)]
pub struct Answers {
    file: Option<PathBuf>,
    values: BTreeMap<String, BTreeMap<String, String>>,
}

impl Answers {
    /// Reads the answers file; every value must be a string.
    pub fn load(path: Option<&Path>) -> Result<Answers, String> {
        let Some(path) = path else {
            return Ok(Answers::default());
        };
        let shown = path.display();
        let text = bundle_format::regular::read_text(path, MAX_BYTES, "an answers file")
            .map_err(|e| format!("{shown}: {e}"))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].lines().count().max(1))
                .map(|n| format!(":{n}"))
                .unwrap_or_default();
            format!(
                "{shown}{line}: not a TOML answers file ({}); write one table per product, \
                 e.g. [smp] INSTALLDIR = 'D:\\Altiris'",
                escaped(e.message().trim())
            )
        })?;
        let mut values = BTreeMap::new();
        for (product, props) in table {
            let toml::Value::Table(props) = props else {
                return Err(format!(
                    "{shown}: `{}` is not a table: write [{0}] and its properties below it",
                    escaped(&product)
                ));
            };
            let mut named = BTreeMap::new();
            for (name, value) in props {
                let toml::Value::String(value) = value else {
                    return Err(format!(
                        "{shown}: [{}] {}: the value must be a string in quotes",
                        escaped(&product),
                        escaped(&name)
                    ));
                };
                named.insert(name, value);
            }
            values.insert(product, named);
        }
        Ok(Answers {
            file: Some(path.to_path_buf()),
            values,
        })
    }

    /// The properties of each step in `steps` (by position), from the answers,
    /// the defaults, or a terminal (unless `no_questions`). Every missing
    /// required property is named in one error; an answer for a property the
    /// product does not take is an error too (a typo would otherwise go unseen).
    pub fn resolve(
        &self,
        steps: &[&Step],
        no_questions: bool,
    ) -> Result<Vec<Vec<Property>>, String> {
        let from = match &self.file {
            Some(f) => format!(" in {}", f.display()),
            None => String::new(),
        };
        for step in steps {
            if let Some(given) = self.values.get(&step.product) {
                for name in given.keys() {
                    if !step.properties.iter().any(|p| &p.name == name) {
                        let takes: Vec<&str> =
                            step.properties.iter().map(|p| p.name.as_str()).collect();
                        return Err(format!(
                            "[{}] {}{from}: {} takes no such property (it takes: {})",
                            step.product,
                            escaped(name),
                            step.product,
                            if takes.is_empty() {
                                "none".into()
                            } else {
                                takes.join(", ")
                            }
                        ));
                    }
                }
            }
        }
        let ask = !no_questions && std::io::stdin().is_terminal();
        let mut asked: BTreeMap<(String, String), String> = BTreeMap::new();
        let mut missing = Vec::new();
        let mut uncarried = Vec::new();
        let mut out = Vec::new();
        for step in steps {
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
                        let v = prompt(step, p).map_err(|e| format!("reading the answer: {e}"))?;
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
                        missing.push(format!("[{}] {}{}", step.product, p.name, described(p)))
                    }
                    None => {}
                }
            }
            out.push(props);
        }
        if !uncarried.is_empty() {
            return Err(format!(
                "{}. Nothing was changed: give the installer a value it can take as one \
                 property and run the install again",
                uncarried.join("; ")
            ));
        }
        if !missing.is_empty() {
            missing.dedup();
            return Err(format!(
                "required installer properties have no value{from}: {}. Nothing was changed: \
                 give them in an answers file (--answers FILE, TOML: [product] NAME = 'value') \
                 and run the install again",
                missing.join(", ")
            ));
        }
        Ok(out)
    }
}

/// A property's description as shown after its name: ` (text)`, escaped, or nothing.
fn described(p: &crate::package::Property) -> String {
    p.description
        .as_deref()
        .map(|d| format!(" ({})", escaped(d)))
        .unwrap_or_default()
}

/// Asks for one property on the terminal; a secret is read without echo.
fn prompt(step: &Step, p: &crate::package::Property) -> std::io::Result<String> {
    let mut err = std::io::stderr();
    write!(
        err,
        "{} ({}) needs {}{}: ",
        escaped(&step.name),
        step.product,
        p.name,
        described(p)
    )?;
    err.flush()?;
    let _echo = p.secret.then(EchoOff::new);
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    if p.secret {
        writeln!(err)?;
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Turns terminal echo off until dropped (Unix; elsewhere it does nothing).
struct EchoOff {
    #[cfg(unix)]
    saved: Option<libc::termios>,
}

impl EchoOff {
    fn new() -> EchoOff {
        #[cfg(unix)]
        {
            // SAFETY: termios is plain data; tcgetattr fills it for fd 0 or fails.
            let mut t: libc::termios = unsafe { std::mem::zeroed() };
            if unsafe { libc::tcgetattr(0, &mut t) } != 0 {
                return EchoOff { saved: None };
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            // SAFETY: t is a valid termios taken from the same terminal.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &t) };
            EchoOff { saved: Some(saved) }
        }
        #[cfg(not(unix))]
        {
            EchoOff {}
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            // SAFETY: restores the settings read in `new`.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, saved) };
        }
    }
}
