//! `airlock install`'s extraction: the destination locked against another
//! extraction, what a stopped one left swept, the bundle verified and
//! extracted into a staging folder with a progress bar, then committed.

use crate::commands::progress;
use crate::error::Result;
use crate::interrupt;
use crate::text::escaped;
use bundle_format::{
    Destination, DestinationLock, Manifest, SignedBundle, Staging, Stale, sweep_stale,
};
use std::path::Path;

/// Extracts `signed` into `destination`, one extraction per destination at a
/// time (waiting for another one, named), after removing what interrupted runs
/// left there; an interrupting signal removes the staging folder.
pub fn extract(signed: SignedBundle, destination: &Path, key: &str) -> Result<Manifest> {
    let dest = Destination::resolve(destination)?;
    let lock = DestinationLock::acquire(&dest, &mut |holder| {
        crate::say!(
            "waiting: {holder} is extracting into {}; this extraction starts when it ends",
            destination.display()
        );
    })?;
    let _lock_removed = interrupt::remove_on_interrupt(lock.path());
    for stale in sweep_stale(&dest)? {
        match stale {
            Stale::Removed(dir) => crate::say!(
                "removed {}: an extraction into {} was stopped (killed or crashed) before it finished",
                dir.display(),
                destination.display()
            ),
            Stale::Kept(dir) => crate::say!(
                "kept {}: an extraction into {} was stopped while replacing files; the files it \
                 replaced are in its ..replaced folder: move back what you need, then remove it",
                dir.display(),
                destination.display()
            ),
        }
    }
    let staging = Staging::create(&dest)?;
    let _staging_removed = interrupt::remove_on_interrupt(staging.path());
    let bar = progress::files(signed.manifest(), "verifying and extracting");
    let staged = signed.stage(&dest, staging, &mut |n| bar.set_position(n))?;
    bar.finish_and_clear();
    let manifest = interrupt::uninterrupted(|| staged.commit())?;
    crate::say!(
        "extracted {} files to {} (signed by trusted key {key}, every hash checked)",
        manifest.files.len(),
        escaped(&destination.display().to_string())
    );
    Ok(manifest)
}
