//! Opening a bundle: finding and checking the trailer, reading the manifest
//! and its signature (every length bounded before anything is allocated),
//! checking the signature against trusted keys, and hashing the runner. The
//! work is done on any seekable reader; the functions taking a path open the
//! file (a regular file only) and hand it over.

use crate::COPY_BUF;
use crate::error::{Error, Failure};
use crate::keys::{PublicKey, SIGNATURE_LEN};
use crate::manifest::{Manifest, ManifestError};
use crate::runner;
use crate::trailer::{self, Layout, TAIL_LEN, TRAILER_LEN};
use crate::write::signed_message;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A manifest read without checking its signature: show it, never act on it.
#[derive(Clone, Debug)]
pub struct Unverified {
    pub manifest: Manifest,
    pub layout: Layout,
}

/// A bundle whose trailer, manifest signature (by a trusted key) and runner
/// have been checked. Its payload is checked by the single pass of
/// [`SignedBundle::verify_payload`] or [`SignedBundle::extract`], reading on
/// from `source`.
#[derive(Debug)]
pub struct SignedBundle<R = File> {
    path: PathBuf,
    source: R,
    layout: Layout,
    manifest: Manifest,
    key: PublicKey,
}

/// The parts of a bundle before the payload, read but not judged.
struct Head<R> {
    source: R,
    layout: Layout,
    manifest_bytes: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
}

/// True when the file at `path` ends with a bundle trailer (of any format
/// version). Reads only the last 16 bytes: cheap enough for every start-up.
pub fn has_trailer(path: &Path) -> Result<bool, Error> {
    let file = crate::regular::open(path).map_err(|e| Error::io(path, e))?;
    has_trailer_in(file).map_err(|e| Error::io(path, e))
}

/// As [`has_trailer`], for the bytes of `source`.
pub fn has_trailer_in<R: Read + Seek>(mut source: R) -> io::Result<bool> {
    let len = source.seek(SeekFrom::End(0))?;
    if len < TAIL_LEN {
        return Ok(false);
    }
    let mut tail = [0u8; TAIL_LEN as usize];
    read_at(&mut source, len - TAIL_LEN, &mut tail)?;
    Ok(trailer::check_tail(&tail).is_ok())
}

/// Reads the manifest without any key. The result is marked unverified.
pub fn inspect(path: &Path) -> Result<Unverified, Error> {
    let file = crate::regular::open(path).map_err(|e| Error::io(path, e))?;
    inspect_reader(file, path)
}

/// As [`inspect`], for the bytes of `source`; `name` is the bundle's name in errors.
pub fn inspect_reader<R: Read + Seek>(source: R, name: &Path) -> Result<Unverified, Error> {
    let head = Head::read(source, name)?;
    let manifest =
        Manifest::parse(&head.manifest_bytes).map_err(|e| fail(name, manifest_failure(e)))?;
    Ok(Unverified {
        manifest,
        layout: head.layout,
    })
}

/// What the runner of the bundle at `path` is, read from its bytes (the
/// region `layout` locates; from [`inspect`], not checked against anything).
pub fn inspect_runner(path: &Path, layout: &Layout) -> Result<runner::Identity, Error> {
    let mut file = crate::regular::open(path).map_err(|e| Error::io(path, e))?;
    identify_region(&mut file, path, layout)
}

fn identify_region<R: Read + Seek>(
    source: &mut R,
    path: &Path,
    layout: &Layout,
) -> Result<runner::Identity, Error> {
    source
        .seek(SeekFrom::Start(layout.runner.offset))
        .map_err(|e| Error::io(path, e))?;
    runner::identify(source.take(layout.runner.len)).map_err(|e| Error::io(path, e))
}

pub(crate) fn fail(path: &Path, failure: Failure) -> Error {
    Error::Verification {
        path: path.to_path_buf(),
        failure,
    }
}

impl<R: Read + Seek> Head<R> {
    /// Reads the trailer, then the manifest and signature it locates.
    fn read(mut source: R, path: &Path) -> Result<Head<R>, Error> {
        let io = |e| Error::io(path, e);
        let len = source.seek(SeekFrom::End(0)).map_err(io)?;
        let tail_len = len.min(TRAILER_LEN);
        let mut tail = vec![0u8; tail_len as usize];
        read_at(&mut source, len - tail_len, &mut tail).map_err(io)?;
        let layout = Layout::decode(&tail, len).map_err(|f| fail(path, f))?;
        // The trailer check bounded the manifest by MAX_MANIFEST_LEN and the file size.
        let mut manifest_bytes = vec![0u8; layout.manifest.len as usize];
        read_at(&mut source, layout.manifest.offset, &mut manifest_bytes).map_err(io)?;
        let mut signature = [0u8; SIGNATURE_LEN];
        read_at(&mut source, layout.signature.offset, &mut signature).map_err(io)?;
        Ok(Head {
            source,
            layout,
            manifest_bytes,
            signature,
        })
    }
}

impl SignedBundle {
    /// Opens `path` (a regular file only) and checks it as [`SignedBundle::from_reader`] does.
    pub fn open(path: &Path, trusted: &[PublicKey]) -> Result<SignedBundle, Error> {
        let file = crate::regular::open(path).map_err(|e| Error::io(path, e))?;
        SignedBundle::from_reader(file, path, trusted)
    }
}

impl<R: Read + Seek> SignedBundle<R> {
    /// Reads the bundle in `source` and checks, in order: the trailer; the
    /// manifest signature against `trusted` (before the manifest is acted on);
    /// the manifest's fields; the runner's size and sha256. The payload is not
    /// read. `path` is the bundle's name in errors.
    pub fn from_reader(
        source: R,
        path: &Path,
        trusted: &[PublicKey],
    ) -> Result<SignedBundle<R>, Error> {
        let head = Head::read(source, path)?;
        let message = signed_message(&head.manifest_bytes);
        let signer = trusted
            .iter()
            .find(|k| k.verify(&message, &head.signature))
            .copied();
        let parsed = Manifest::parse(&head.manifest_bytes).map_err(manifest_failure);
        let (manifest, key) = match (signer, parsed) {
            (Some(key), Ok(manifest)) => (manifest, key),
            // A newer format is reported as such, whoever signed it.
            (_, Err(f @ Failure::UnsupportedFormat { .. })) => return Err(fail(path, f)),
            (Some(_), Err(f)) => return Err(fail(path, f)),
            (None, parsed) => {
                return Err(fail(
                    path,
                    unsigned_failure(&head.manifest_bytes, parsed, trusted),
                ));
            }
        };
        if manifest.key_fingerprint != key.fingerprint().to_string() {
            return Err(fail(
                path,
                Failure::Manifest(ManifestError::Field {
                    field: "keyFingerprint".into(),
                    problem: format!(
                        "names {} but the manifest is signed by {}",
                        manifest.key_fingerprint,
                        key.fingerprint()
                    ),
                }),
            ));
        }
        if manifest.runner.size != head.layout.runner.len {
            return Err(fail(
                path,
                Failure::Runner(format!(
                    "the manifest says {} bytes, the trailer {}",
                    manifest.runner.size, head.layout.runner.len
                )),
            ));
        }
        let mut bundle = SignedBundle {
            path: path.to_path_buf(),
            source: head.source,
            layout: head.layout,
            manifest,
            key,
        };
        bundle.check_runner()?;
        Ok(bundle)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The manifest, signed by a trusted key.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The trusted key that signed the manifest.
    pub fn key(&self) -> PublicKey {
        self.key
    }

    /// What the runner is, read from its bytes (checked by [`SignedBundle::open`]).
    pub fn runner_identity(&mut self) -> Result<runner::Identity, Error> {
        identify_region(&mut self.source, &self.path, &self.layout)
    }

    pub(crate) fn into_manifest(self) -> Manifest {
        self.manifest
    }

    pub(crate) fn fail(&self, failure: Failure) -> Error {
        fail(&self.path, failure)
    }

    fn check_runner(&mut self) -> Result<(), Error> {
        let io = |e| Error::io(&self.path, e);
        self.source
            .seek(SeekFrom::Start(self.layout.runner.offset))
            .map_err(io)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; COPY_BUF];
        let mut left = self.layout.runner.len;
        while left > 0 {
            let want = left.min(COPY_BUF as u64) as usize;
            self.source.read_exact(&mut buf[..want]).map_err(io)?;
            hasher.update(&buf[..want]);
            left -= want as u64;
        }
        let digest = hex::encode(hasher.finalize());
        if digest != self.manifest.runner.sha256 {
            return Err(self.fail(Failure::Runner(format!(
                "sha256 is {digest}, the manifest says {}",
                self.manifest.runner.sha256
            ))));
        }
        Ok(())
    }

    /// The parts the payload pass works with: the bundle's name, its manifest,
    /// and the payload bytes, positioned at their start and limited to their length.
    pub(crate) fn payload(&mut self) -> Result<(&Path, &Manifest, io::Take<&mut R>), Error> {
        self.source
            .seek(SeekFrom::Start(self.layout.payload.offset))
            .map_err(|e| Error::io(&self.path, e))?;
        let payload = (&mut self.source).take(self.layout.payload.len);
        Ok((&self.path, &self.manifest, payload))
    }
}

/// Why no trusted key verified the manifest: the key it names is not
/// trusted, or it is and the signature (or the manifest) was altered.
fn unsigned_failure(
    bytes: &[u8],
    parsed: Result<Manifest, Failure>,
    trusted: &[PublicKey],
) -> Failure {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct KeyOnly {
        key_fingerprint: String,
    }
    let named = match parsed {
        Ok(m) => Some(m.key_fingerprint),
        Err(_) => serde_json::from_slice::<KeyOnly>(bytes)
            .ok()
            .map(|k| k.key_fingerprint),
    };
    match named {
        Some(fp) if !trusted.iter().any(|k| k.fingerprint().to_string() == fp) => {
            Failure::UntrustedKey { fingerprint: fp }
        }
        Some(fp) => Failure::Signature { fingerprint: fp },
        None => Failure::Signature {
            fingerprint: "(unreadable: the manifest is damaged)".into(),
        },
    }
}

fn manifest_failure(e: ManifestError) -> Failure {
    match e {
        ManifestError::UnsupportedFormat { found, supported } => {
            Failure::UnsupportedFormat { found, supported }
        }
        other => Failure::Manifest(other),
    }
}

fn read_at<S: Read + Seek>(source: &mut S, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    source.seek(SeekFrom::Start(offset))?;
    source.read_exact(buf)
}
