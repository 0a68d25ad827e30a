//! `airlock inspect`: shows what a bundle says about itself, without a key and
//! therefore marked UNVERIFIED everywhere.

mod text;

use super::output::{print, print_json, print_standard_json};
use crate::error::{Error, Exit, Result};
use crate::package::provenance::Statement;
use crate::package::{CONTENT_TYPE_1, Package};
use std::path::PathBuf;
use text::render;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock inspect Vendor_Install_Package_20260101_120000.exe\n  \
    airlock inspect Bundle.exe --json | jq .files\n  \
    airlock inspect Bundle.exe --provenance > Bundle.provenance.json\n\n\
    Nothing is checked: what is shown is what the bundle claims. Use `airlock verify\n\
    BUNDLE --trust PUB` before relying on it.\n\n\
    --provenance writes an in-toto Statement v1 with a SLSA Provenance v1 predicate:\n\
    every file with its sha256, the URL it was downloaded from, the listing and vendor\n\
    key that vouch for it, the builder key and when it was built (bundle-format/README.md,\n\
    section 11). It takes no --json: it is JSON of in-toto's shape, without \"schema\".")]
pub struct Args {
    /// The bundle file
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Print the manifest as one JSON document (with "verified": false)
    #[arg(long)]
    pub json: bool,
    /// Print the bundle's provenance: an in-toto statement (SLSA Provenance v1)
    #[arg(long, conflicts_with = "json")]
    pub provenance: bool,
}

pub fn run(args: Args) -> Result<Exit> {
    let claimed = bundle_format::inspect(&args.bundle)?;
    let runner = bundle_format::inspect_runner(&args.bundle, &claimed.layout)?;
    let manifest = claimed.manifest;
    // An unverified manifest may hold anything: a content this program cannot
    // read is shown as it is, with the reason, rather than refused.
    let package = Package::of(&manifest);
    if args.provenance {
        // A statement of a package that cannot be read would leave out what
        // it cannot read: refused, naming why.
        let package = package?;
        let shown = crate::text::escaped(&args.bundle.display().to_string()).into_owned();
        crate::say!(
            "note: inspect checks nothing: this statement is what {shown} claims, only as good \
             as its signature; run `airlock verify {shown} --trust PUB` before relying on it"
        );
        if manifest.content_type == CONTENT_TYPE_1 {
            crate::say!(
                "note: the bundle ({CONTENT_TYPE_1}) does not say where its files were downloaded \
                 from nor which listing publishes each: the statement has no uri for them"
            );
        }
        print_standard_json(&Statement::of(&manifest, &package))?;
    } else if args.json {
        let mut value = serde_json::to_value(&manifest).map_err(Error::Json)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("verified".into(), serde_json::Value::Bool(false));
            // Times are RFC 3339 in every JSON document; the manifest holds seconds.
            object.insert(
                "created".into(),
                crate::text::rfc3339_unix(manifest.created).into(),
            );
            object.insert("runnerIdentity".into(), serde_json::json!(runner));
            if let Err(problem) = &package {
                object.insert("contentError".into(), problem.to_string().into());
            }
        }
        print_json(&value)?;
    } else {
        print(&render(&manifest, &runner, package.as_ref()))?;
    }
    Ok(Exit::Done)
}
