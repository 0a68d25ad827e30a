//! `airlock join`: reassembles a bundle split for removable media, checking
//! every part against the signed index before writing anything.

use crate::commands::progress;
use crate::commands::signed::{BundleArgs, TrustArgs, vendor_text};
use crate::commands::verify::verify;
use crate::error::{Error, Exit, Result};
use crate::interrupt;
use crate::text::escaped;
use bundle_format::split::{SignedIndex, SplitError, index_path_for_part};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    airlock join /media/usb/Vendor_Install_Package_20260101_120000.exe.001 --trust builder.pub\n  \
    airlock join Bundle.exe.001 --out /srv/Bundle.exe\n\n\
    Every part is checked (present, size, sha256, listed in the signed index NAME.parts)\n\
    before anything is written; a missing, damaged or foreign part is named and the exit\n\
    code is 3. With a trusted key the index signature is checked too; without one, the\n\
    joined bundle is only compared with the index and reported as unverified.")]
pub struct Args {
    /// The first part (NAME.001) or the index (NAME.parts); the other parts are found next to it
    #[arg(value_name = "PART.001")]
    pub part: PathBuf,
    /// Where to write the bundle (default: NAME in the parts' folder); never overwritten
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

pub fn run(args: Args) -> Result<Exit> {
    let index_path = index_path_for_part(&args.part).ok_or_else(|| {
        Error::Usage(format!(
            "{}: not a part name; give the first part (NAME.001) or the index (NAME.parts)",
            args.part.display()
        ))
    })?;
    let signed = SignedIndex::load(&index_path)?;
    let index = &signed.index;
    let keys = args.trust.keys()?;
    if !keys.is_empty() {
        signed.verify(&keys)?;
        args.trust.admit(
            &format!("the split index {}", index_path.display()),
            &index.key_fingerprint,
        )?;
    }

    let bar = progress::bytes(index.size, "checking parts");
    signed.check_parts(&mut |n| bar.inc(n))?;
    bar.finish_and_clear();
    crate::say!(
        "all {} parts of {} check out against the index",
        index.parts.len(),
        escaped(&index.bundle)
    );

    let out = args
        .out
        .unwrap_or_else(|| signed.path.with_file_name(&index.bundle));
    let same =
        |a: &std::path::Path| std::fs::canonicalize(a).ok() == std::fs::canonicalize(&out).ok();
    if out.exists()
        && (same(&signed.path) || (0..index.parts.len()).any(|i| same(&signed.part_path(i))))
    {
        return Err(Error::Usage(format!(
            "--out {}: that is a file of the split bundle being joined; name a new file",
            out.display()
        )));
    }
    let bar = progress::bytes(index.size, "joining");
    // Until the joined bundle is verified, an interrupting signal removes it
    // (it did not exist before: join never replaces a file).
    let mut unfinished = Vec::new();
    signed.join(
        &out,
        &mut |temp| {
            unfinished.push(interrupt::remove_on_interrupt(temp));
            unfinished.push(interrupt::remove_on_interrupt(&out));
        },
        &mut |n| bar.inc(n),
    )?;
    bar.finish_and_clear();

    if keys.is_empty() {
        crate::say!(
            "joined {} ({} bytes, sha256 {} as the index says); signature NOT verified: \
             no trusted key (pass --trust PUB, or run `airlock verify` on it)",
            escaped(&out.display().to_string()),
            index.size,
            escaped(&index.sha256)
        );
    } else {
        // The index is trusted; now the bundle itself, as `airlock verify` would.
        let joined = BundleArgs {
            bundle: out.clone(),
            trust: args.trust.clone(),
            vendor: Default::default(),
        };
        let checked = verify(&joined).and_then(|v| {
            if v.manifest.bundle_id == index.bundle_id {
                Ok((v.key, v.vendor))
            } else {
                Err(SplitError::BundleId {
                    path: out.clone(),
                    expected: index.bundle_id.clone(),
                    actual: v.manifest.bundle_id.clone(),
                }
                .into())
            }
        });
        match checked {
            Ok((key, vendor)) => crate::say!(
                "joined {} ({} bytes) and verified it: signed by trusted key {key}, every hash \
                 checked; {}",
                escaped(&out.display().to_string()),
                index.size,
                vendor_text(&vendor)
            ),
            Err(e) => {
                // Never leave an unverifiable bundle behind under the expected name.
                let _ = std::fs::remove_file(&out);
                return Err(e);
            }
        }
    }
    drop(unfinished);
    Ok(Exit::Done)
}
