//! Installing a verified package on this machine: the guards (rollback,
//! critical updates), which steps still have to run (resume), the readiness
//! checks, then each step through the installer backend, the record written
//! right after each one (with the ProductCode it left installed), licenses
//! applied, and the runner kept in the root.

pub mod answers;
pub mod backend;
pub mod checks;
pub mod remove;

use crate::history;
use crate::package::{Action, CriticalUpdate, Method, Package, Step};
use crate::state::record::{self, Journal, Product, Received};
use crate::state::{self, Locked, Record, now};
use crate::text::escaped;
use backend::{Backend, Done, Operation, Property};
use bundle_format::Manifest;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    State(#[from] state::Error),
    /// A readiness check blocks (exit 4).
    #[error("{0}")]
    Blocked(String),
    /// An installer failed (exit 7).
    #[error("{0}")]
    StepFailed(String),
    /// A critical update is pending (exit 8).
    #[error("{0}")]
    Critical(String),
    /// An older bundle than one installed from the same key (exit 3).
    #[error("{0}")]
    Older(String),
    /// An incremental bundle built for another state of this machine, or
    /// another machine (exit 3).
    #[error("{0}")]
    Base(String),
    /// The answers file cannot be used, or a question asked on the terminal
    /// was not answered; nothing was changed.
    #[error("{0}")]
    Answers(String),
    /// Required installer properties have no value; the message names them
    /// and says where to give them.
    #[error("{0}")]
    Unanswered(String),
    /// A license file that cannot be applied to `product`.
    #[error("license for {product}: {problem}")]
    License { product: String, problem: String },
    /// A license whose product id cannot name its file under the root.
    #[error("license {license}: the product {product:?} cannot name a file ({problem})")]
    LicenseProduct {
        license: String,
        product: String,
        #[source]
        problem: bundle_format::manifest::NameError,
    },
    /// The running program could not be found, to keep a copy of it.
    #[error("cannot find the running program, to keep a copy of it in the root: {0}")]
    RunningProgram(#[source] std::io::Error),
    /// An operation on one installed product names one that is not.
    #[error("{} is not installed here (see airlock status)", escaped(id))]
    NotInstalled { id: String },
    /// A product installed by a file that cannot repair it.
    #[error(
        "{id} {version} was installed by a {kind} file, which cannot repair it: install its \
         release again from a bundle"
    )]
    NotRepairable {
        id: String,
        version: String,
        kind: &'static str,
    },
    /// The extracted installer file a repair needs is gone.
    #[error(
        "the installer file of {id} {version} is gone ({}): extract the bundle {} again with \
         `airlock install BUNDLE --extract-only --extract-to {}`, then repair",
        file.display(),
        escaped(bundle),
        file.parent().map(|d| d.display().to_string()).unwrap_or_default()
    )]
    InstallerGone {
        id: String,
        version: String,
        file: PathBuf,
        bundle: String,
    },
    /// The bundle's vendor name cannot be the folder its files are extracted to.
    #[error("the vendor name cannot be used as a folder ({0}); give --extract-to DIR")]
    VendorFolder(#[source] bundle_format::manifest::NameError),
    /// A file the install reads (one the bundle carries, the running program) could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Products that cannot be uninstalled, each with why.
    #[error(transparent)]
    Remove(#[from] remove::Refusal),
    /// The question before a change was answered no.
    #[error("not confirmed: nothing was changed")]
    NotConfirmed,
}

/// Whether a step runs, or why it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Todo {
    Run,
    Skip(String),
}

/// What an install will do.
#[derive(Debug)]
pub struct Plan<'a> {
    pub steps: Vec<(&'a Step, Todo)>,
    /// The properties of each step, by position in `steps`.
    pub properties: Vec<Vec<Property>>,
    pub checks: Vec<checks::Checked>,
    /// The installer program runs first.
    pub installer_first: bool,
    /// Answers this bundle does not use, one line each: warnings, never errors.
    pub unused_answers: Vec<String>,
    /// Required properties with no value, as `[product] NAME`.
    pub missing_answers: Vec<String>,
    /// Why the install cannot start while some are missing (naming each).
    pub unanswered: Option<String>,
}

/// Stops when a critical update affecting an installed version is pending and
/// `resolves` does not apply it; the message names what does.
pub fn critical_guard(
    record: &Record,
    declared: &[CriticalUpdate],
    resolves: impl Fn(&CriticalUpdate) -> bool,
) -> Result<(), Error> {
    let blocking: Vec<String> = record
        .pending_critical(declared)
        .into_iter()
        .filter(|c| !resolves(c))
        .map(|c| {
            let installed = record
                .products
                .get(&c.product)
                .map(|p| p.version.to_string())
                .unwrap_or_default();
            let fix = match (&c.resolved_by_hotfix, &c.resolved_by_release) {
                (Some(h), _) => format!("hot fix {}", escaped(h)),
                (None, Some(v)) => format!("release {v}"),
                (None, None) => "its resolution".into(),
            };
            format!(
                "critical update {} for {} {installed} is pending ({}): install a bundle \
                 holding {fix} of {} first",
                escaped(&c.id),
                c.product,
                escaped(&c.message),
                c.product
            )
        })
        .collect();
    if blocking.is_empty() {
        Ok(())
    } else {
        Err(Error::Critical(format!(
            "{}; until then nothing else is installed, uninstalled or repaired",
            blocking.join("; ")
        )))
    }
}

/// Whether `step` applies the resolution of critical update `c`: its hot fix
/// or release, or a later one (hot fixes are cumulative) that takes the
/// product out of the affected versions.
fn step_resolves(step: &Step, c: &CriticalUpdate) -> bool {
    step.product == c.product
        && (c.resolved_by_hotfix.is_some() && step.hotfix == c.resolved_by_hotfix
            || c.resolved_by_release.is_some_and(|v| step.version >= v)
            || !c.affects.matches(&step.version))
}

/// With `--force-base`, each upgrade or hot fix that runs must start from
/// the version the machine has by then: a step the listing admits only from
/// another version is never run on a guess.
fn still_applies(record: &Record, steps: &[(&Step, Todo)]) -> Result<(), Error> {
    let mut at: std::collections::BTreeMap<&str, crate::listing::Version> = record
        .products
        .iter()
        .map(|(id, p)| (id.as_str(), p.version))
        .collect();
    let mut wrong = Vec::new();
    for (n, (step, todo)) in steps.iter().enumerate() {
        if *todo != Todo::Run {
            continue;
        }
        if let Some(from) = step.from_version {
            match at.get(step.product.as_str()) {
                Some(v) if *v == from => {}
                found => wrong.push(format!(
                    "step {} takes {} from {from}, and this machine has {} then",
                    n + 1,
                    step.product,
                    found.map_or_else(|| "none".to_string(), ToString::to_string)
                )),
            }
        }
        at.insert(&step.product, step.version);
    }
    if wrong.is_empty() {
        return Ok(());
    }
    Err(Error::Base(format!(
        "even with --force-base, a step must start from the version it was planned from: {}; \
         export the history again and build a new bundle from it",
        wrong.join("; ")
    )))
}

/// How an install may go.
pub struct Options {
    /// Install a bundle older than one already installed from the same key.
    pub allow_older: bool,
    /// Never ask on a terminal.
    pub no_questions: bool,
    /// Install an incremental bundle on a machine whose state differs from
    /// the history it was built against.
    pub force_base: bool,
}

/// Stops an incremental bundle on a machine that is not the one, in the
/// state, its history described; the message names every difference. An
/// install of this bundle that stopped part way was checked when it started,
/// and resumes.
pub fn base_guard(
    record: &Record,
    package: &Package,
    manifest: &Manifest,
    force: bool,
) -> Result<(), Error> {
    let Some(base) = &package.base else {
        return Ok(());
    };
    if record
        .journal
        .as_ref()
        .is_some_and(|j| j.bundle == manifest.bundle_id)
    {
        return Ok(());
    }
    let mut differences = Vec::new();
    if base.machine_id != record.machine_id {
        differences.push(format!(
            "it was built for machine {}, this is machine {} ({})",
            escaped(&base.machine_id),
            record.machine_id,
            escaped(&record.machine_name)
        ));
    }
    for e in &base.expected {
        match record.products.get(&e.product) {
            Some(p) if p.version == e.version => {}
            Some(p) => differences.push(format!(
                "{}: expected {}, found {}",
                e.product, e.version, p.version
            )),
            None => differences.push(format!("{}: expected {}, found none", e.product, e.version)),
        }
    }
    for (id, p) in &record.products {
        if !base.expected.iter().any(|e| &e.product == id) {
            differences.push(format!("{id}: expected none, found {}", p.version));
        }
    }
    if differences.is_empty() {
        return Ok(());
    }
    if force {
        crate::say!(
            "warning: --force-base: this machine differs from the history the bundle was built against: {}",
            differences.join("; ")
        );
        return Ok(());
    }
    Err(Error::Base(format!(
        "this bundle updates the machine as its history was exported (sha256 {}), and this machine differs: {}; \
         export the history again and build a new bundle from it, or pass --force-base to install anyway \
         (steps already at or past their version are skipped)",
        escaped(&base.digest),
        differences.join("; ")
    )))
}

/// The guards, which steps run, their properties and the readiness checks.
pub fn prepare<'a>(
    record: &Record,
    package: &'a Package,
    manifest: &Manifest,
    key: &str,
    options: &Options,
    answers: &answers::Answers,
    context: &checks::Context,
) -> Result<Plan<'a>, Error> {
    if let Some(newer) = record.bundles.iter().find(|b| {
        b.key_fingerprint == key && b.created > manifest.created && b.id != manifest.bundle_id
    }) && !options.allow_older
    {
        return Err(Error::Older(format!(
            "bundle {} (made {}) is older than bundle {} (made {}) already installed from the \
             same key {key}: refused, as a rollback; pass --allow-older to install it anyway",
            escaped(&manifest.bundle_id),
            history::rfc3339(manifest.created),
            escaped(&newer.id),
            history::rfc3339(newer.created)
        )));
    }
    base_guard(record, package, manifest, options.force_base)?;
    critical_guard(record, &package.critical_updates, |c| {
        package.steps.iter().any(|s| step_resolves(s, c))
    })?;
    let done: &[usize] = match &record.journal {
        Some(j) if j.bundle == manifest.bundle_id => &j.done,
        _ => &[],
    };
    let steps: Vec<(&Step, Todo)> = package
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let todo = match record.products.get(&s.product) {
                _ if done.contains(&i) => Todo::Skip("done by an earlier run".into()),
                Some(p) if p.version >= s.version => {
                    Todo::Skip(format!("{} {} is installed", s.product, p.version))
                }
                _ => Todo::Run,
            };
            (s, todo)
        })
        .collect();
    if package.base.is_some() && options.force_base {
        still_applies(record, &steps)?;
    }
    let running: Vec<&Step> = steps
        .iter()
        .filter(|(_, t)| *t == Todo::Run)
        .map(|(s, _)| *s)
        .collect();
    let resolved = answers
        .resolve(&package.steps, &running, !options.no_questions)
        .map_err(Error::Answers)?;
    let unanswered = answers.refusal(&resolved.missing);
    let mut wanted = resolved.properties.into_iter();
    let properties = steps
        .iter()
        .map(|(_, t)| match t {
            Todo::Run => wanted.next().unwrap_or_default(),
            Todo::Skip(_) => Vec::new(),
        })
        .collect();
    let installer_first = package.installer.as_ref().is_some_and(|i| {
        record
            .installer
            .as_ref()
            .is_none_or(|have| have.version < i.version)
    });
    Ok(Plan {
        checks: checks::run(context, &running),
        steps,
        properties,
        installer_first,
        unused_answers: resolved.unused,
        missing_answers: resolved.missing,
        unanswered,
    })
}

/// The checks that are not met, as one message; `None` when nothing blocks.
pub fn blocking(plan: &Plan) -> Option<String> {
    let not_met: Vec<String> = plan
        .checks
        .iter()
        .filter(|c| c.outcome == checks::Outcome::NotMet)
        .map(|c| format!("{}: {}", c.what, c.detail))
        .collect();
    (!not_met.is_empty()).then(|| {
        format!(
            "readiness checks not met, nothing was changed: {}",
            not_met.join("; ")
        )
    })
}

/// What the install of one bundle needs besides its plan.
pub struct Target<'a> {
    pub package: &'a Package,
    pub manifest: &'a Manifest,
    pub key: &'a str,
    /// Where the bundle's files were extracted.
    pub components: &'a Path,
    pub backend: &'a Backend,
}

/// Runs the plan. Returns whether an installer asked for a restart.
pub fn execute(
    locked: &Locked,
    mut record: Record,
    target: &Target,
    plan: &Plan,
) -> Result<bool, Error> {
    if let Some(refusal) = &plan.unanswered {
        return Err(Error::Unanswered(refusal.clone()));
    }
    let bundle_id = &target.manifest.bundle_id;
    let logs = locked.root.logs_dir().join(folder_name(bundle_id));
    receive_listings(locked, &mut record, target)?;
    match &record.journal {
        Some(j) if j.bundle == *bundle_id => {}
        Some(j) => {
            let note = format!(
                "the install of bundle {} had stopped before its end; its finished steps are recorded",
                escaped(&j.bundle)
            );
            crate::say!("note: {note}");
            locked.log(&note);
            record.journal = Some(Journal {
                bundle: bundle_id.clone(),
                done: Vec::new(),
                running: None,
            });
        }
        None => {
            record.journal = Some(Journal {
                bundle: bundle_id.clone(),
                done: Vec::new(),
                running: None,
            })
        }
    }
    locked.save(&record)?;
    locked.log(&format!("install bundle {bundle_id}: started"));
    let mut restart = false;
    if plan.installer_first
        && let Some(i) = &target.package.installer
    {
        let file = target.components.join(&i.file);
        let args = i.args.clone().unwrap_or_default();
        let op = operation(i.method, &file, &args);
        let log = logs.join("00-installer.log");
        crate::say!("installing {} {}", escaped(&i.name), i.version);
        if run_logged(locked, target.backend, &op, &[], &log, &i.name)? {
            record.ask_restart(now(), &format!("{} {}", i.name, i.version));
            restart = true;
        }
        record.installer = Some(record::Installer {
            name: i.name.clone(),
            version: i.version,
        });
        locked.save(&record)?;
    }
    let total = plan.steps.len();
    for (i, ((step, todo), props)) in plan.steps.iter().zip(&plan.properties).enumerate() {
        let n = i + 1;
        let what = format!("{} {}", step.product, step.version);
        if let Todo::Skip(why) = todo {
            crate::say!("[{n}/{total}] {what}: skipped ({why})");
            continue;
        }
        set_running(&mut record, Some(i));
        locked.save(&record)?;
        let file = target.components.join(&step.file);
        let args = step.args.clone().unwrap_or_default();
        let op = operation(step.method, &file, &args);
        let log = logs.join(format!("{n:02}-{}-{}.log", step.product, step.version));
        crate::say!(
            "[{n}/{total}] {} {what} ({})",
            action_word(step.action),
            escaped(&step.name)
        );
        let ran = run_logged(locked, target.backend, &op, props, &log, &what);
        let asked_restart = match ran {
            Ok(r) => r,
            Err(e) => {
                set_running(&mut record, None);
                locked.save(&record)?;
                return Err(match e {
                    Error::StepFailed(m) => Error::StepFailed(format!(
                        "step {n} of {total}: {m}. The steps before it are recorded as installed; \
                         fix the cause and run the same install again: it resumes at this step"
                    )),
                    other => other,
                });
            }
        };
        let now = now();
        let before = record.products.get(&step.product);
        let installed = before.map_or(now, |p| p.installed);
        let identity = crate::identity::installed(step, &file, before);
        // A patch changes the installed product, which is still repaired
        // from the MSI it was installed from.
        let (file, method) = match (step.method, before) {
            (Method::Msp, Some(b)) => (b.file.clone(), b.method),
            _ => (file.clone(), step.method),
        };
        record.products.insert(
            step.product.clone(),
            Product {
                name: step.name.clone(),
                version: step.version,
                label: step.label.clone(),
                hotfix: step.hotfix.clone(),
                product_code: identity.product_code,
                upgrade_code: identity.upgrade_code,
                installed,
                updated: now,
                bundle: bundle_id.clone(),
                file,
                method,
                license: step.license,
                requires: step.requires.clone(),
                retain_on_cascade: step.retain_on_cascade,
            },
        );
        if let Some(j) = &mut record.journal {
            j.done.push(i);
            j.running = None;
        }
        if asked_restart {
            record.ask_restart(now, &what);
            restart = true;
        }
        locked.save(&record)?;
        for replaced in &step.replaces {
            remove_replaced(locked, &mut record, target.backend, &logs, replaced)?;
        }
    }
    for l in &target.package.licenses {
        let bytes = read(
            &target.components.join(&l.file),
            crate::license::MAX_BYTES,
            "a license file",
        )?;
        apply_license(locked, &mut record, &bytes, &l.product)?;
    }
    keep_runner(locked, target.manifest)?;
    if !record.bundles.iter().any(|b| b.id == *bundle_id) {
        record.bundles.push(history::Bundle {
            id: bundle_id.clone(),
            key_fingerprint: target.key.to_string(),
            created: target.manifest.created,
        });
    }
    record.journal = None;
    locked.save(&record)?;
    locked.log(&format!("install bundle {bundle_id}: finished"));
    Ok(restart)
}

fn set_running(record: &mut Record, step: Option<usize>) {
    if let Some(j) = &mut record.journal {
        j.running = step;
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Install => "install",
        Action::Upgrade => "upgrade",
        Action::Hotfix => "hotfix",
    }
}

/// The backend operation that runs a file of this method.
pub fn operation<'a>(method: Method, file: &'a Path, args: &'a str) -> Operation<'a> {
    match method {
        Method::Msi => Operation::Install(file),
        Method::Msp => Operation::Patch(file),
        Method::Exe => Operation::Program(file, args),
    }
}

/// Runs one backend operation, with a line in the airlock log either way.
/// Returns whether a restart was asked for.
pub fn run_logged(
    locked: &Locked,
    backend: &Backend,
    op: &Operation,
    props: &[Property],
    log: &Path,
    what: &str,
) -> Result<bool, Error> {
    if let Some(folder) = log.parent() {
        locked.make_dir(folder)?;
    }
    locked.inside(log)?;
    match backend.run(op, props, log) {
        Ok(done) => {
            locked.log(&format!("{what}: done ({:?}); log {}", done, log.display()));
            Ok(done == Done::RestartNeeded)
        }
        Err(f) => {
            let message = format!(
                "{what} failed: `{}` ended with {}. Its log: {}",
                f.command,
                f.problem,
                f.log.display()
            );
            locked.log(&message);
            Err(Error::StepFailed(message))
        }
    }
}

/// A bundle id as a folder name (ids are plain names; anything else is hashed).
fn folder_name(id: &str) -> String {
    match bundle_format::manifest::check_name(id) {
        Ok(()) => id.to_string(),
        Err(_) => history::digest(id.as_bytes())[..16].to_string(),
    }
}

/// A file the bundle carries, as extracted: its size was checked against the
/// manifest, and `limit` (for `what` it is) keeps one replaced since from
/// filling the memory.
fn read(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    bundle_format::regular::read_bounded(path, limit, what).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Keeps each listing's bytes under the root and records it, with its critical updates.
fn receive_listings(locked: &Locked, record: &mut Record, target: &Target) -> Result<(), Error> {
    for l in &target.package.listings {
        if record.listings.iter().any(|r| r.sha256 == l.sha256) {
            continue;
        }
        let name = format!("{}-{}", l.serial, l.file);
        let bytes = read(
            &target.components.join(&l.file),
            crate::listing::MAX_LISTING_BYTES,
            "a listing",
        )?;
        locked.put(&locked.root.listings_dir().join(&name), &bytes)?;
        record.listings.push(Received {
            vendor: l.vendor.clone(),
            name: l.name.clone(),
            serial: l.serial,
            sha256: l.sha256.clone(),
            file: name,
        });
    }
    for c in &target.package.critical_updates {
        if !record
            .critical_updates
            .iter()
            .any(|k| k.id == c.id && k.product == c.product)
        {
            record.critical_updates.push(c.clone());
        }
    }
    Ok(())
}

/// Applies a license file's bytes for `product`: kept under the root, recorded.
pub fn apply_license(
    locked: &Locked,
    record: &mut Record,
    bytes: &[u8],
    product: &str,
) -> Result<crate::license::License, Error> {
    let license = crate::license::License::parse(bytes).map_err(|problem| Error::License {
        product: product.to_string(),
        problem,
    })?;
    bundle_format::manifest::check_name(product).map_err(|problem| Error::LicenseProduct {
        license: escaped(&license.id).into_owned(),
        product: escaped(product).into_owned(),
        problem,
    })?;
    let path = locked.root.licenses_dir().join(format!("{}.xml", product));
    locked.put(&path, bytes)?;
    record.licenses.insert(
        product.to_string(),
        record::License {
            id: license.id.clone(),
            expires: license.expires_text(),
            expires_at: license.expires.map(|e| e.unix_timestamp().max(0) as u64),
        },
    );
    locked.save(record)?;
    Ok(license)
}

/// Uninstalls a product a step replaces, and forgets it.
fn remove_replaced(
    locked: &Locked,
    record: &mut Record,
    backend: &Backend,
    logs: &Path,
    replaced: &str,
) -> Result<(), Error> {
    let Some(p) = record.products.get(replaced) else {
        return Ok(());
    };
    if let Ok(code) = crate::identity::removal_code(replaced, p) {
        let log = logs.join(format!("replaced-{replaced}.log"));
        run_logged(
            locked,
            backend,
            &Operation::Uninstall(&code),
            &[],
            &log,
            &format!("remove replaced {replaced}"),
        )?;
    }
    record.products.remove(replaced);
    locked.save(record)?;
    Ok(())
}

/// Keeps a copy of the running program's runner (without a bundle appended)
/// as `ROOT/runner/airlock`, so the offline commands work once the bundle is gone.
fn keep_runner(locked: &Locked, manifest: &Manifest) -> Result<(), Error> {
    let exe = std::env::current_exe().map_err(Error::RunningProgram)?;
    // A bundle's runner is its first `runner.size` bytes; the rest is not read.
    let keep = match bundle_format::has_trailer(&exe).unwrap_or(false) {
        true => manifest.runner.size,
        false => u64::MAX,
    };
    let io = |source| Error::Read {
        path: exe.clone(),
        source,
    };
    let mut bytes = Vec::new();
    bundle_format::regular::open(&exe)
        .and_then(|file| file.take(keep).read_to_end(&mut bytes))
        .map_err(io)?;
    let dest: PathBuf = locked.root.runner_path();
    locked.put(&dest, &bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o755));
    }
    Ok(())
}
