//! Every file airlock reads is a regular file read with a bound, through the
//! real binary: a FIFO (which blocked forever), a device (`/dev/zero` never
//! ends) or a link to one, given as a listing, an answers file, CA
//! certificates, a license, a history, the machine's record, a registered
//! listing's record or copy, or found under `logs/` by `support-package`, is
//! refused at once (or, for the support package, named in it and not read),
//! naming the file and what it is. A file over its kind's limit is refused
//! naming the limit.

use crate::common;

use common::bundle::{airlock, fixture};
use predicates::str::contains;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const LISTING: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site/itms.pl.xml");

fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    path
}

/// A FIFO and a device, each with the words naming what it is.
fn specials(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    vec![
        (
            fifo(dir, "pipe"),
            "is a FIFO (named pipe), not a regular file",
        ),
        (
            PathBuf::from("/dev/zero"),
            "is a device, not a regular file",
        ),
    ]
}

/// `airlock ARGS`, which must end within 20 s (a hang fails the test) with `code`
/// and say each of `says` on stderr.
fn refused<S: AsRef<str>>(root: &Path, args: &[&str], code: i32, says: &[S]) {
    let mut assert = airlock(root)
        .args(args)
        .env("AIRLOCK_CONFIG", root.join("config"))
        .timeout(Duration::from_secs(20))
        .assert()
        .code(code);
    for text in says {
        assert = assert.stderr(contains(text.as_ref()));
    }
}

#[test]
fn a_listing_answers_ca_certificates_license_or_history_that_is_no_regular_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    let f = fixture();
    let public = f.keys.public.display().to_string();
    let bundle = f.bundle.display().to_string();
    for (path, says) in specials(dir.path()) {
        let p = path.display().to_string();
        let expect = |what: &str| {
            [
                format!("{p}: "),
                format!("{says}; {what} must be a regular file"),
            ]
        };
        refused(
            &root,
            &["products", "--listing", &p],
            1,
            &expect("a listing"),
        );
        refused(
            &root,
            &["products", "--listing", LISTING, "--ca-cert", &p],
            1,
            &[format!(
                "--ca-cert {p}: cannot read: {says}; a PEM file must be"
            )],
        );
        refused(
            &root,
            &[
                "plan",
                "--listing",
                LISTING,
                "--select",
                "smp",
                "--history",
                &p,
            ],
            1,
            &expect("a history file"),
        );
        refused(&root, &["license", "add", &p], 1, &expect("a license file"));
        let out = dir.path().join("out").display().to_string();
        refused(
            &root,
            &[
                "install",
                &bundle,
                "--trust",
                &public,
                "--answers",
                &p,
                "--dry-run",
                "--extract-to",
                &out,
            ],
            1,
            &expect("an answers file"),
        );
    }
}

#[test]
fn an_answers_file_over_its_limit_is_refused_naming_the_limit() {
    let f = fixture();
    let root = f.dir.path().join("state");
    let answers = f.dir.path().join("answers.toml");
    fs::write(&answers, vec![b'#'; (1 << 20) + 1]).unwrap();
    airlock(&root)
        .arg("install")
        .arg(&f.bundle)
        .arg("--trust")
        .arg(&f.keys.public)
        .arg("--answers")
        .arg(&answers)
        .args(["--dry-run", "--extract-to"])
        .arg(f.dir.path().join("out"))
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(contains(format!(
            "{}: is larger than 1 MiB, too large for an answers file",
            answers.display()
        )));
}

#[test]
fn a_record_that_is_a_fifo_or_a_link_to_a_device_is_refused_by_status_and_install() {
    let f = fixture();
    let public = f.keys.public.display().to_string();
    let bundle = f.bundle.display().to_string();
    let out = f.dir.path().join("out").display().to_string();
    for (i, (special, says)) in specials(f.dir.path()).into_iter().enumerate() {
        let root = f.dir.path().join(format!("state{i}"));
        fs::create_dir_all(&root).unwrap();
        let record = root.join("record.json");
        if special.starts_with("/dev") {
            std::os::unix::fs::symlink(&special, &record).unwrap();
        } else {
            fs::rename(&special, &record).unwrap();
        }
        let expect = format!(
            "{}: {says}; the machine's record must be a regular file",
            record.display()
        );
        refused(&root, &["status"], 1, &[&expect]);
        let install = [
            "install",
            &bundle,
            "--trust",
            &public,
            "--dry-run",
            "--extract-to",
            &out,
        ];
        refused(&root, &install, 1, &[&expect]);
    }
}

#[test]
fn a_registered_listing_whose_files_are_fifos_is_refused_by_list_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    airlock(&root)
        .env("AIRLOCK_CONFIG", root.join("config"))
        .args(["listing", "add", "itms", LISTING])
        .assert()
        .success();
    let kept = root.join("config/listings");
    for (file, what) in [
        ("itms.json", "a listing record"),
        ("itms.pl.xml", "a kept listing copy"),
    ] {
        let path = kept.join(file);
        let aside = dir.path().join(file);
        fs::rename(&path, &aside).unwrap();
        fifo(&kept, file);
        let expect = format!(
            "cannot read{} {}: is a FIFO (named pipe), not a regular file; {what} must be",
            if file == "itms.json" {
                ""
            } else {
                " the kept copy"
            },
            path.display()
        );
        if file == "itms.json" {
            refused(&root, &["listing", "list"], 1, &[&expect]);
        }
        refused(
            &root,
            &["plan", "--listing", "itms", "--select", "smp"],
            1,
            &[&expect],
        );
        fs::remove_file(&path).unwrap();
        fs::rename(&aside, &path).unwrap();
    }
    airlock(&root)
        .env("AIRLOCK_CONFIG", root.join("config"))
        .args(["listing", "list"])
        .assert()
        .success();
}

#[test]
fn support_package_names_the_logs_it_cannot_read_and_reads_none_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    let logs = root.join("logs");
    fs::create_dir_all(&logs).unwrap();
    fs::write(logs.join("airlock.log"), "a line\n").unwrap();
    fifo(&logs, "pipe.log");
    std::os::unix::fs::symlink("/dev/zero", logs.join("zero.log")).unwrap();
    let out = dir.path().join("out");
    fs::create_dir_all(&out).unwrap();
    airlock(&root)
        .arg("support-package")
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(20))
        .assert()
        .success();
    let zip_path = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
    let mut zip = zip::ZipArchive::new(fs::File::open(zip_path).unwrap()).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().to_string()).collect();
    assert!(names.contains(&"logs/airlock.log".to_string()), "{names:?}");
    assert!(
        !names
            .iter()
            .any(|n| n.contains("pipe") || n.contains("zero")),
        "{names:?}"
    );
    let mut skipped = String::new();
    zip.by_name("skipped.txt")
        .unwrap()
        .read_to_string(&mut skipped)
        .unwrap();
    assert_eq!(
        skipped,
        "logs/pipe.log: is a FIFO (named pipe), not a regular file; a file of the support package must be a regular file\n\
         logs/zero.log: is a symbolic link, which the support package does not follow\n"
    );
}
