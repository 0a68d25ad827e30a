//! The build pipeline, from planned targets to bundles on disk: every
//! bundle's contents settled before anything is downloaded, then per bundle
//! the downloads, the check of each MSI against its listing (a bad cache hit
//! fetched again), the write in a staging folder renamed into place, and the
//! split for removable media. It reports progress and notes through a
//! [`Reporter`] and never prints: the command decides what a person sees.

use super::{Contents, Error, Origin, check_msi, contents};
use crate::fetch::{Cache, Fetcher, Local};
use crate::interrupt;
use crate::license::License;
use crate::listing::Catalog;
use crate::package::CONTENT_TYPE;
use crate::plan::{Machine, MachineRef, Plan};
use crate::runner::Runner;
use bundle_format::keys::SigningKey;
use bundle_format::regular;
use bundle_format::runner::Os;
use bundle_format::split::{PartSize, SplitError};
use bundle_format::{Manifest, WriteOptions, Written, write_bundle};
use std::collections::HashMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// What one bundle is built for: a fresh install, or one machine's update.
pub enum Target {
    Fresh(Plan),
    Machine(Box<Machine>),
}

impl Target {
    pub fn plan(&self) -> &Plan {
        match self {
            Target::Fresh(plan) => plan,
            Target::Machine(m) => &m.update.plan,
        }
    }

    fn machine(&self) -> Option<&Machine> {
        match self {
            Target::Machine(m) => Some(m),
            Target::Fresh(_) => None,
        }
    }
}

/// What the pipeline tells its caller as it goes.
pub enum Event<'a> {
    /// A machine's update is settled; `bundled` is false when the listings
    /// bring it nothing new and no bundle is written for it.
    Machine { machine: &'a Machine, bundled: bool },
    /// A cached file is not the listed one: it is fetched again.
    Refetch { file: &'a str, problem: &'a str },
    /// Packing starts (again, after a refetch): `total` bytes of files.
    Packing { total: u64 },
    /// This many of those bytes are packed.
    Packed(u64),
    /// Packing ended, done or not.
    PackEnd,
    /// A bundle is complete, in place (and split when asked).
    Written(&'a Built<'a>),
}

/// What a build ends with when it fails: the caller's own error type, which
/// every cause of the pipeline converts into (the command's is the crate's
/// error, which gives each cause its exit code). The library does not name
/// that type, so it stays below the commands and their error.
pub trait Failure:
    From<Error> + From<crate::fetch::Error> + From<bundle_format::Error> + From<SplitError>
{
}

impl<T> Failure for T where
    T: From<Error> + From<crate::fetch::Error> + From<bundle_format::Error> + From<SplitError>
{
}

/// Receives the pipeline's [`Event`]s: a terminal, `--json` or quiet. An
/// error (the reader of the output has gone) stops the build; the bytes
/// counted while packing are only shown, so an error there is left out.
pub trait Reporter {
    type Error: Failure;
    fn report(&mut self, event: Event<'_>) -> Result<(), Self::Error>;
}

/// One bundle written.
pub struct Built<'t> {
    pub path: PathBuf,
    pub written: Written,
    /// Steps of the package the runner acts on.
    pub steps: usize,
    /// The split parts' names, when split.
    pub parts: Vec<String>,
    /// The machine an incremental bundle is for.
    pub machine: Option<MachineRef<'t>>,
}

/// What to build: the targets and what goes with every bundle.
pub struct Request<'a> {
    pub catalog: &'a Catalog,
    pub targets: &'a [Target],
    /// The license files given, parsed.
    pub licenses: &'a [(PathBuf, License)],
    pub contact: Option<String>,
    /// The bundle file; with several machines, the folder the bundles go in.
    pub out: Option<PathBuf>,
    /// The servers' platform (a Windows bundle's name ends in `.exe`).
    pub os: Os,
    /// Also write each bundle as parts of this size.
    pub split: Option<PartSize>,
    /// How many `--history` were given (more than one: `out` is a folder).
    pub histories: usize,
}

/// Writes bundles with one fetcher, cache, key and runner.
pub struct Builder<'a> {
    pub fetcher: &'a Fetcher,
    pub cache: &'a Cache,
    pub key: &'a SigningKey,
    pub runner: &'a Runner,
    pub options: &'a WriteOptions,
}

impl Builder<'_> {
    /// Builds a bundle for every target that needs one, in order. When one
    /// fails, those before it are complete and in place; the caller heard of
    /// each through [`Event::Written`].
    pub fn build<'t, R: Reporter + ?Sized>(
        &self,
        request: &Request<'t>,
        reporter: &mut R,
    ) -> Result<Vec<Built<'t>>, R::Error> {
        let licenses_of = licenses_per_target(request.targets, request.licenses)?;
        let now = created_time(self.options);
        let remote = request
            .catalog
            .listings
            .iter()
            .any(|l| matches!(l.base.scheme(), "http" | "https"));
        // Every bundle's contents (licenses, names) are settled before anything
        // is downloaded or written, so a bad input stops the run with nothing made.
        let mut names = Vec::new();
        let mut jobs = Vec::new();
        for (target, licenses) in request.targets.iter().zip(licenses_of) {
            if let Some(machine) = target.machine() {
                let bundled = !machine.update.plan.items.is_empty();
                reporter.report(Event::Machine { machine, bundled })?;
                if !bundled {
                    continue;
                }
            }
            let contents = contents(
                request.catalog,
                target.plan(),
                &licenses,
                request.contact.clone(),
                now,
                target.machine().map(|m| &m.imported),
            )?;
            let out = out_path(request, &contents.package.vendor, target, now, &mut names);
            jobs.push((target, contents, out));
        }
        let mut built = Vec::new();
        for (target, mut contents, out) in jobs {
            let mut locals = self
                .fetcher
                .fetch_all(self.cache, &contents.downloads, remote)?;
            self.check_msis::<R::Error>(&mut contents, &mut locals)?;
            let written = self.write(&out, &contents, &mut locals, reporter)?;
            let parts = match request.split {
                Some(size) => self.split(&out, size)?,
                None => Vec::new(),
            };
            let done = Built {
                path: out,
                written,
                steps: contents.package.steps.len(),
                parts,
                machine: target.machine().map(Machine::reference),
            };
            reporter.report(Event::Written(&done))?;
            built.push(done);
        }
        Ok(built)
    }

    /// Splits the bundle at `out`; when that fails, the bundle is not left behind.
    fn split(&self, out: &Path, size: PartSize) -> Result<Vec<String>, SplitError> {
        match bundle_format::split::split(out, size, self.key, &mut |_| {}) {
            Ok(index) => Ok(index.parts.iter().map(|p| p.name.clone()).collect()),
            Err(e) => {
                let _ = std::fs::remove_file(out);
                Err(e)
            }
        }
    }

    /// Each MSI's tables against its listing, its codes recorded in the
    /// package. A cache hit that disagrees is fetched again (the cache may hold
    /// damaged bytes) before the build stops.
    fn check_msis<E: Failure>(
        &self,
        contents: &mut Contents,
        locals: &mut [Local],
    ) -> Result<(), E> {
        let by_name: HashMap<&str, usize> = contents
            .downloads
            .iter()
            .enumerate()
            .map(|(i, w)| (w.name.as_str(), i))
            .collect();
        let mut found = Vec::new();
        for expected in &contents.msi_checks {
            let Some(&i) = by_name.get(expected.file.as_str()) else {
                continue;
            };
            let identity = match check_msi(&locals[i].path, expected) {
                Ok(identity) => identity,
                Err(e) if locals[i].verified => return Err(e.into()),
                Err(_) => {
                    self.cache.evict(&contents.downloads[i].sha256)?;
                    locals[i] = self.fetcher.refetch(self.cache, &contents.downloads[i])?;
                    check_msi(&locals[i].path, expected)?
                }
            };
            found.push((expected.file.clone(), identity));
        }
        for (file, identity) in &found {
            contents.identify(file, identity);
        }
        Ok(())
    }

    /// Writes the bundle, reading each file from where it is. The writing
    /// happens in a staging folder beside `out`, removed if the run is
    /// interrupted, and the finished bundle is renamed into place.
    fn write<R: Reporter + ?Sized>(
        &self,
        out: &Path,
        contents: &Contents,
        locals: &mut [Local],
        reporter: &mut R,
    ) -> Result<Written, R::Error> {
        let (folder, name) = match (out.parent(), out.file_name()) {
            (Some(folder), Some(name)) if folder.as_os_str().is_empty() => (Path::new("."), name),
            (Some(folder), Some(name)) => (folder, name),
            _ => return Err(Error::OutNotFile { out: out.into() }.into()),
        };
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{}.", name.to_string_lossy()))
            .suffix(".building")
            .tempdir_in(folder)
            .map_err(|source| Error::Staging {
                folder: folder.into(),
                source,
            })?;
        let _removed = interrupt::remove_on_interrupt(staging.path());
        let inner = staging.path().join(name);
        let written = self.pack(&inner, contents, locals, reporter)?;
        interrupt::uninterrupted(|| {
            std::fs::rename(&inner, out)?;
            // Not `File::open(folder)`: Windows opens no folder that way.
            bundle_format::atomic::sync_parent(out)
        })
        .map_err(|source| Error::InPlace {
            out: out.into(),
            source,
        })?;
        Ok(written)
    }

    /// [`Builder::write`]'s packing loop: one write of the bundle to `dest`,
    /// again after a cache hit that turned out not to hold the declared bytes
    /// was evicted and fetched anew; nothing wrong is ever packed.
    fn pack<R: Reporter + ?Sized>(
        &self,
        dest: &Path,
        contents: &Contents,
        locals: &mut [Local],
        reporter: &mut R,
    ) -> Result<Written, R::Error> {
        let mut manifest = Manifest::new(
            concat!("airlock ", env!("CARGO_PKG_VERSION")),
            CONTENT_TYPE,
            contents.package.to_content(),
        );
        manifest.files = contents.files.iter().map(|(f, _)| f.clone()).collect();
        // Looked up once per file while packing: a map, not a scan of thousands.
        let origins: HashMap<&str, &Origin> = contents
            .files
            .iter()
            .map(|(f, o)| (f.name.as_str(), o))
            .collect();
        loop {
            let runner = &self.runner.path;
            let runner_file = regular::open(runner).map_err(|source| Error::Runner {
                path: runner.clone(),
                source,
            })?;
            reporter.report(Event::Packing {
                total: manifest.total_size(),
            })?;
            let result = write_bundle(
                dest,
                runner_file,
                manifest.clone(),
                self.key,
                |entry| open(&origins, locals, &entry.name),
                self.options,
                &mut |n| {
                    let _ = reporter.report(Event::Packed(n));
                },
            );
            reporter.report(Event::PackEnd)?;
            match result {
                Ok(written) => return Ok(written),
                Err(bundle_format::Error::Source { name, problem }) => {
                    let stale = contents
                        .downloads
                        .iter()
                        .position(|w| w.name == name)
                        .filter(|&i| !locals[i].verified);
                    let Some(i) = stale else {
                        return Err(bundle_format::Error::Source { name, problem }.into());
                    };
                    reporter.report(Event::Refetch {
                        file: &name,
                        problem: &problem,
                    })?;
                    self.cache.evict(&contents.downloads[i].sha256)?;
                    locals[i] = self.fetcher.refetch(self.cache, &contents.downloads[i])?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// A reader of one bundle file's bytes.
fn open(
    origins: &HashMap<&str, &Origin>,
    locals: &[Local],
    name: &str,
) -> io::Result<Box<dyn Read>> {
    let origin = origins
        .get(name)
        .ok_or_else(|| io::Error::other("not one of the planned files"))?;
    Ok(match *origin {
        Origin::Memory(bytes) => Box::new(io::Cursor::new(bytes.clone())),
        Origin::Download(i) => Box::new(regular::open(&locals[*i].path)?),
        Origin::Path(path) => Box::new(regular::open(path)?),
    })
}

/// `--out` names the bundle file; with several histories, the folder the
/// bundles go in. Checked before anything is downloaded.
pub fn check_out(out: Option<&Path>, histories: usize) -> std::result::Result<(), Error> {
    let Some(out) = out else {
        return Ok(());
    };
    // NAME.001 ... or NAME.parts of a split bundle there: writing would destroy it.
    if let Some(index) = bundle_format::split::index_path_for_part(out).filter(|i| i.is_file()) {
        return Err(Error::OutIsPart {
            out: out.into(),
            index,
        });
    }
    if histories > 1 {
        return match out.is_dir() {
            true => Ok(()),
            false => Err(Error::OutNotFolder { out: out.into() }),
        };
    }
    if out.is_dir() || out.as_os_str().to_string_lossy().ends_with(['/', '\\']) {
        return Err(Error::OutIsFolder { out: out.into() });
    }
    match out.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => {
            Err(Error::OutFolderMissing {
                out: out.into(),
                folder: folder.into(),
            })
        }
        _ => Ok(()),
    }
}

/// A `--split` size too small for the bundle is refused before anything is
/// downloaded or written. A bundle is at least as large as its runner (the
/// payload's size is known only once it is compressed): when the runner alone
/// makes more parts than a split bundle may have, no bundle can fit.
pub fn check_split(size: PartSize, runner: &Path) -> std::result::Result<(), Error> {
    let runner_len = std::fs::metadata(runner)
        .map_err(|source| Error::Runner {
            path: runner.into(),
            source,
        })?
        .len();
    let max = bundle_format::split::MAX_PARTS;
    let parts = runner_len.div_ceil(size.bytes());
    match parts <= max {
        true => Ok(()),
        false => Err(Error::SplitTooSmall {
            size: size.bytes(),
            runner: runner_len,
            parts,
            max,
        }),
    }
}

/// The licenses each bundle holds. With several machines, a license goes
/// into the bundles of the machines that have or get its product, and one
/// that fits none is refused before anything is downloaded; with one bundle,
/// [`contents`] says why a license does not fit.
fn licenses_per_target(
    targets: &[Target],
    licenses: &[(PathBuf, License)],
) -> std::result::Result<Vec<Vec<(PathBuf, License)>>, Error> {
    if targets.len() < 2 {
        return Ok(vec![licenses.to_vec(); targets.len()]);
    }
    let fits = |target: &Target, product: &str| match target {
        Target::Machine(m) => m.products().any(|e| e.product() == product),
        Target::Fresh(plan) => plan.items.iter().any(|i| i.product == product),
    };
    if let Some((path, license)) = licenses
        .iter()
        .find(|(_, l)| !targets.iter().any(|t| fits(t, &l.product)))
    {
        return Err(Error::LicenseFitsNoMachine {
            path: path.clone(),
            product: license.product.clone(),
        });
    }
    Ok(targets
        .iter()
        .map(|t| {
            licenses
                .iter()
                .filter(|(_, l)| fits(t, &l.product))
                .cloned()
                .collect()
        })
        .collect())
}

/// Where a bundle goes: `--out` (for several machines, a folder), else the
/// default name in the current folder; two machines never share a name.
fn out_path(
    request: &Request<'_>,
    vendor: &str,
    target: &Target,
    now: time::OffsetDateTime,
    taken: &mut Vec<String>,
) -> PathBuf {
    let machine = target.machine().map(|m| &m.imported.history);
    if request.histories < 2
        && let Some(out) = &request.out
    {
        return out.clone();
    }
    let extension = match request.os {
        Os::Windows => ".exe",
        Os::Linux => "",
    };
    let stem = default_name(vendor, machine.map(|h| h.machine_name.as_str()), now);
    let mut name = format!("{stem}{extension}");
    if taken.contains(&name)
        && let Some(h) = machine
    {
        // Machine ids are unique in a run (a second history of one machine is refused).
        name = format!("{stem}_{}{extension}", h.machine_id);
    }
    taken.push(name.clone());
    match &request.out {
        Some(folder) => folder.join(name),
        None => PathBuf::from(name),
    }
}

/// The bundle's creation time: `SOURCE_DATE_EPOCH` when set, else now.
fn created_time(options: &WriteOptions) -> time::OffsetDateTime {
    options
        .created
        .and_then(|s| i64::try_from(s).ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}

/// `<Vendor>_Install_Package_<YYYYMMDD>_<HHMMSS>` in UTC (the caller adds
/// `.exe` for Windows); for one machine's update, its name after `Package_`
/// (as a plain file name).
fn default_name(vendor: &str, machine: Option<&str>, at: time::OffsetDateTime) -> String {
    let stamp = crate::text::file_stamp(at);
    let machine: String = machine
        .map(|m| {
            let plain: String = m
                .chars()
                .take(40)
                .map(|c| match c {
                    'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => c,
                    _ => '_',
                })
                .collect();
            format!("{plain}_")
        })
        .unwrap_or_default();
    format!("{vendor}_Install_Package_{machine}{stamp}")
}
