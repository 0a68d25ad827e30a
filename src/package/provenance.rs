//! A bundle's provenance for a security team (`airlock inspect --provenance`):
//! an in-toto Statement v1 whose predicate is SLSA Provenance v1, built from
//! the manifest and the package description alone, so that tools that read
//! those standards can read what a bundle holds, where each file came from,
//! which listing and vendor key vouch for it, which builder key signed it and
//! when. Nothing here is checked: the statement is as true as the bundle's
//! signature, which `verify` checks. Specified in `bundle-format/README.md`,
//! section 11, "Provenance".

use super::{Action, ListingRef, Package};
use crate::redact::redact;
use bundle_format::Manifest;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The in-toto statement's `_type`.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The SLSA Provenance v1 predicate's type.
pub const PREDICATE_TYPE: &str = "https://slsa.dev/provenance/v1";
/// What an Airlock build is, in SLSA's terms: `airlock build` of a plan.
pub const BUILD_TYPE: &str = "urn:airlock:bundle-build:1";
/// The builder's id is this followed by the signing key's fingerprint.
pub const BUILDER_ID_PREFIX: &str = "urn:airlock:builder-key:";

/// The whole statement: exactly in-toto's four fields, nothing else.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: &'static str,
    pub subject: Vec<Subject>,
    pub predicate_type: &'static str,
    pub predicate: Provenance,
}

/// A file of the bundle, by name and sha256.
#[derive(Debug, Serialize)]
pub struct Subject {
    pub name: String,
    pub digest: Digest,
}

#[derive(Debug, Serialize)]
pub struct Digest {
    pub sha256: String,
}

/// SLSA Provenance v1.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Provenance {
    pub build_definition: BuildDefinition,
    pub run_details: RunDetails,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildDefinition {
    pub build_type: &'static str,
    pub external_parameters: ExternalParameters,
    pub resolved_dependencies: Vec<Dependency>,
}

/// What the person who built the bundle chose: the vendor, the steps (what
/// the plan resolved the selection to) and the license files they gave.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalParameters {
    pub vendor: String,
    pub steps: Vec<StepParameter>,
    pub licenses: Vec<LicenseParameter>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepParameter {
    pub product: String,
    pub version: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotfix: Option<String>,
    pub file: String,
}

/// A license file: the customer's, vouched for by no listing.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseParameter {
    pub file: String,
    pub product: String,
    pub id: String,
}

/// An in-toto resource descriptor: something the build read.
#[derive(Debug, Serialize)]
pub struct Dependency {
    pub name: String,
    /// Where it was read from, its password hidden (an absolute path as a
    /// `file:` URL); absent when the bundle does not say, or says a relative path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    pub digest: Digest,
    pub annotations: Annotations,
}

/// What a dependency is, `kind` first.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Annotations {
    Listing(ListingAnnotations),
    File(FileAnnotations),
    History(HistoryAnnotations),
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListingAnnotations {
    /// Always `listing`.
    pub kind: &'static str,
    pub vendor: String,
    pub listing_name: String,
    pub serial: u64,
    pub published: String,
    /// The listing's source when it was a relative path (no URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The bundle's file holding the vendor's `.pl.xml.sig`, or null.
    pub signature_file: Option<String>,
    /// The vendor key the builder checked that signature with, or null.
    pub vendor_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileAnnotations {
    /// The file's kind in the manifest: `msi`, `msp`, `exe` or `text`.
    pub kind: String,
    /// The bundle's file of the listing that publishes it, or null when the
    /// bundle does not say (`airlock-package-1`).
    pub listing: Option<String>,
    /// That listing's `vendorKey`: null when no vendor signature vouched for it.
    pub vendor_key: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryAnnotations {
    /// Always `history`.
    pub kind: &'static str,
    pub machine_id: String,
}

#[derive(Debug, Serialize)]
pub struct RunDetails {
    pub builder: BuilderId,
    pub metadata: Metadata,
}

#[derive(Debug, Serialize)]
pub struct BuilderId {
    pub id: String,
    pub version: BTreeMap<&'static str, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub invocation_id: String,
    pub finished_on: String,
}

/// The kinds of file the customer or the listing itself brings, not a
/// listing's payload: they are not resolved dependencies of their own.
const NOT_DOWNLOADED: [&str; 3] = ["listing", "signature", "license"];

impl Statement {
    /// The statement of a bundle whose manifest holds `package`.
    pub fn of(manifest: &Manifest, package: &Package) -> Statement {
        let subject = manifest
            .files
            .iter()
            .map(|f| Subject {
                name: f.name.clone(),
                digest: Digest {
                    sha256: f.sha256.clone(),
                },
            })
            .collect();
        let mut resolved: Vec<Dependency> = package.listings.iter().map(listing).collect();
        let origins: HashMap<&str, _> = package
            .origins
            .iter()
            .map(|o| (o.file.as_str(), o))
            .collect();
        for file in manifest
            .files
            .iter()
            .filter(|f| !NOT_DOWNLOADED.contains(&f.kind.as_str()))
        {
            let origin = origins.get(file.name.as_str());
            let from = origin.and_then(|o| {
                usize::try_from(o.listing)
                    .ok()
                    .and_then(|i| package.listings.get(i))
            });
            resolved.push(Dependency {
                name: file.name.clone(),
                uri: origin.map(|o| redact(&o.url)),
                digest: Digest {
                    sha256: file.sha256.clone(),
                },
                annotations: Annotations::File(FileAnnotations {
                    kind: file.kind.clone(),
                    listing: from.map(|l| l.file.clone()),
                    vendor_key: from.and_then(|l| l.vendor_key.clone()),
                }),
            });
        }
        if let Some(base) = &package.base {
            resolved.push(Dependency {
                name: "history".into(),
                uri: None,
                digest: Digest {
                    sha256: base.digest.clone(),
                },
                annotations: Annotations::History(HistoryAnnotations {
                    kind: "history",
                    machine_id: base.machine_id.clone(),
                }),
            });
        }
        Statement {
            statement_type: STATEMENT_TYPE,
            subject,
            predicate_type: PREDICATE_TYPE,
            predicate: Provenance {
                build_definition: BuildDefinition {
                    build_type: BUILD_TYPE,
                    external_parameters: ExternalParameters {
                        vendor: package.vendor.clone(),
                        steps: package
                            .steps
                            .iter()
                            .map(|s| StepParameter {
                                product: s.product.clone(),
                                version: s.version.to_string(),
                                action: s.action,
                                hotfix: s.hotfix.clone(),
                                file: s.file.clone(),
                            })
                            .collect(),
                        licenses: package
                            .licenses
                            .iter()
                            .map(|l| LicenseParameter {
                                file: l.file.clone(),
                                product: l.product.clone(),
                                id: l.id.clone(),
                            })
                            .collect(),
                    },
                    resolved_dependencies: resolved,
                },
                run_details: RunDetails {
                    builder: BuilderId {
                        id: format!("{BUILDER_ID_PREFIX}{}", manifest.key_fingerprint),
                        version: BTreeMap::from([("airlock", manifest.builder.clone())]),
                    },
                    metadata: Metadata {
                        invocation_id: manifest.bundle_id.clone(),
                        finished_on: crate::text::rfc3339_unix(manifest.created),
                    },
                },
            },
        }
    }
}

/// A listing as a resolved dependency: its bytes in the bundle, where the
/// builder read it, and the vendor signature that travels with it.
fn listing(l: &ListingRef) -> Dependency {
    let source = l.source.as_deref().map(redact);
    let (uri, path) = match source {
        Some(s) if s.contains("://") => (Some(s), None),
        // A path: the builder's payloads read from it are `file:` URLs too.
        Some(s) => match url::Url::from_file_path(&s) {
            Ok(file) => (Some(file.to_string()), None),
            Err(()) => (None, Some(s)),
        },
        None => (None, None),
    };
    Dependency {
        name: l.file.clone(),
        uri,
        digest: Digest {
            sha256: l.sha256.clone(),
        },
        annotations: Annotations::Listing(ListingAnnotations {
            kind: "listing",
            vendor: l.vendor.clone(),
            listing_name: l.name.clone(),
            serial: l.serial,
            published: l.published.clone(),
            path,
            signature_file: l.signature.clone(),
            vendor_key: l.vendor_key.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::{CONTENT_TYPE, CONTENT_TYPE_1};
    use bundle_format::FileEntry;
    use serde_json::{Value, json};

    /// A manifest of `content_type` holding `content` and files `(name, kind)`.
    fn manifest(content_type: &str, content: Value, files: &[(&str, &str)]) -> Manifest {
        let Value::Object(map) = content else {
            unreachable!()
        };
        let mut m = Manifest::new("airlock 9.9.9", content_type, map);
        m.bundle_id = "b1".into();
        m.created = 1_795_000_000;
        m.key_fingerprint = "0123456789abcdef".into();
        for (i, (name, kind)) in files.iter().enumerate() {
            m.files.push(FileEntry {
                name: name.to_string(),
                kind: kind.to_string(),
                size: 1,
                sha256: format!("{i}").repeat(64),
            });
        }
        m
    }

    fn content(listing: Value, origins: Option<Value>) -> Value {
        let mut c = json!({
            "vendor": "V", "listings": [listing], "suites": [],
            "steps": [{"product": "smp", "name": "SMP", "kind": "solution", "version": "8.0",
                       "action": "install", "method": "msi", "file": "smp.msi", "reason": "selected",
                       "arch": "x64", "license": "trial", "properties": [], "checks": [],
                       "requires": [], "retainOnCascade": false, "replaces": []}],
            "licenses": [{"file": "smp.lic", "product": "smp", "id": "LIC-1"}],
            "eulas": [], "criticalUpdates": []
        });
        if let Some(origins) = origins {
            c["origins"] = origins;
        }
        c
    }

    const FILES: [(&str, &str); 4] = [
        ("l.pl.xml", "listing"),
        ("l.pl.xml.sig", "signature"),
        ("smp.msi", "msi"),
        ("smp.lic", "license"),
    ];

    fn statement(m: &Manifest) -> Value {
        let package = Package::of(m).unwrap();
        serde_json::to_value(Statement::of(m, &package)).unwrap()
    }

    #[test]
    fn a_signed_listing_vouches_for_its_files_and_no_password_is_shown() {
        let listing = json!({"vendor": "V", "name": "N", "serial": 7,
            "published": "2026-01-01T00:00:00Z", "sha256": "0".repeat(64), "file": "l.pl.xml",
            "source": "https://u:s3cret@h/l.pl.xml", "signature": "l.pl.xml.sig",
            "vendorKey": "fedcba9876543210"});
        let origins =
            json!([{"file": "smp.msi", "url": "http://u:s3cret@h/msi/smp.msi", "listing": 0}]);
        let mut c = content(listing, Some(origins));
        c["base"] = json!({"digest": "a".repeat(64), "machineId": "srv01", "expected": []});
        let m = manifest(CONTENT_TYPE, c, &FILES);
        let s = statement(&m);
        assert!(!s.to_string().contains("s3cret"), "{s}");
        assert_eq!(
            s.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["_type", "predicate", "predicateType", "subject"]
        );
        let names: Vec<&str> = s["subject"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, FILES.map(|(n, _)| n));
        assert_eq!(s["subject"][2]["digest"]["sha256"], "2".repeat(64));
        let deps = &s["predicate"]["buildDefinition"]["resolvedDependencies"];
        assert_eq!(
            deps.as_array().unwrap().len(),
            3,
            "listing, msi, history: {deps}"
        );
        assert_eq!(deps[0]["uri"], "https://u:***@h/l.pl.xml");
        assert_eq!(deps[0]["annotations"]["signatureFile"], "l.pl.xml.sig");
        assert_eq!(deps[0]["annotations"]["vendorKey"], "fedcba9876543210");
        assert_eq!(deps[0]["annotations"]["serial"], 7);
        assert_eq!(deps[1]["name"], "smp.msi");
        assert_eq!(deps[1]["uri"], "http://u:***@h/msi/smp.msi");
        assert_eq!(
            deps[1]["annotations"],
            json!({"kind": "msi", "listing": "l.pl.xml", "vendorKey": "fedcba9876543210"})
        );
        assert_eq!(
            deps[2],
            json!({"name": "history", "digest": {"sha256": "a".repeat(64)},
                   "annotations": {"kind": "history", "machineId": "srv01"}})
        );
        let params = &s["predicate"]["buildDefinition"]["externalParameters"];
        assert_eq!(
            params["licenses"],
            json!([{"file": "smp.lic", "product": "smp", "id": "LIC-1"}])
        );
        assert_eq!(
            params["steps"],
            json!([{"product": "smp", "version": "8.0", "action": "install", "file": "smp.msi"}])
        );
        let run = &s["predicate"]["runDetails"];
        assert_eq!(
            run["builder"]["id"],
            "urn:airlock:builder-key:0123456789abcdef"
        );
        assert_eq!(run["builder"]["version"]["airlock"], "airlock 9.9.9");
        assert_eq!(run["metadata"]["invocationId"], "b1");
        assert_eq!(run["metadata"]["finishedOn"], "2026-11-18T11:06:40Z");
    }

    #[test]
    fn a_package_1_bundle_says_no_uri_no_listing_and_no_vendor_key_for_its_files() {
        let listing = json!({"vendor": "V", "name": "N", "serial": 7,
            "published": "2026-01-01T00:00:00Z", "sha256": "0".repeat(64), "file": "l.pl.xml"});
        let files = [FILES[0], FILES[2], FILES[3]];
        let s = statement(&manifest(CONTENT_TYPE_1, content(listing, None), &files));
        let deps = &s["predicate"]["buildDefinition"]["resolvedDependencies"];
        assert_eq!(
            deps[0]["annotations"],
            json!({"kind": "listing", "vendor": "V", "listingName": "N", "serial": 7,
                   "published": "2026-01-01T00:00:00Z", "signatureFile": null, "vendorKey": null})
        );
        assert!(deps[0].get("uri").is_none(), "{deps}");
        assert_eq!(
            deps[1],
            json!({"name": "smp.msi", "digest": {"sha256": "1".repeat(64)},
                   "annotations": {"kind": "msi", "listing": null, "vendorKey": null}})
        );
        assert_eq!(deps.as_array().unwrap().len(), 2, "{deps}");
    }

    /// The listing's dependency when the builder read it from `source`.
    fn listing_from(source: &str) -> Value {
        let listing = json!({"vendor": "V", "name": "N", "serial": 7,
            "published": "2026-01-01T00:00:00Z", "sha256": "0".repeat(64), "file": "l.pl.xml",
            "source": source, "signature": "l.pl.xml.sig"});
        let s = statement(&manifest(
            CONTENT_TYPE,
            content(listing, Some(json!([]))),
            &FILES,
        ));
        s["predicate"]["buildDefinition"]["resolvedDependencies"][0].clone()
    }

    #[test]
    fn a_listing_read_from_a_path_is_a_file_url_or_when_relative_its_path() {
        let relative = listing_from("listings/l.pl.xml");
        assert!(relative.get("uri").is_none(), "{relative}");
        assert_eq!(relative["annotations"]["path"], "listings/l.pl.xml");
        // A signature that travels unchecked: named, with no vendor key.
        assert_eq!(relative["annotations"]["signatureFile"], "l.pl.xml.sig");
        assert_eq!(relative["annotations"]["vendorKey"], Value::Null);
        let absolute = std::env::temp_dir().join("a b").join("l.pl.xml");
        let shown = listing_from(&absolute.display().to_string());
        assert_eq!(
            shown["uri"],
            url::Url::from_file_path(&absolute).unwrap().as_str()
        );
        assert!(shown["uri"].as_str().unwrap().ends_with("/a%20b/l.pl.xml"));
        assert!(shown["annotations"].get("path").is_none(), "{shown}");
    }
}
