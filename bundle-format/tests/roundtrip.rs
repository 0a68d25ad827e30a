//! Writing then reading bundles: what comes out is what went in, the payload
//! is a plain tar, the output is reproducible, and bad sources leave nothing.

mod common;

use bundle_format::{
    Failure, SignedBundle, WriteOptions, extract, has_trailer, has_trailer_in, inspect,
    inspect_reader, verify, write_bundle,
};
use common::*;
use std::fs;
use std::io::{Cursor, Read};
use std::path::Path;

#[test]
fn write_inspect_verify_extract() {
    let dir = tempfile::tempdir().unwrap();
    let big = noise(3 << 20, 1);
    let files: Vec<(&str, &[u8])> = vec![
        ("Alpha.msi", b"alpha data"),
        ("empty.txt", b""),
        ("block.bin", &[5u8; 512]),
        ("big.msi", &big),
    ];
    let path = dir.path().join("Bundle.exe");
    let runner = b"#!/bin/sh\necho runner\n";
    let w = write(&path, runner, &files, &key(), &WriteOptions::default());
    assert_eq!(fs::metadata(&path).unwrap().len(), w.size);
    assert_eq!(common::listing(dir.path()), vec!["Bundle.exe"]);
    assert!(fs::read(&path).unwrap().starts_with(runner));

    assert!(has_trailer(&path).unwrap());
    let u = inspect(&path).unwrap();
    assert_eq!(u.manifest, w.manifest);
    assert_eq!(
        u.manifest.key_fingerprint,
        key().public().fingerprint().to_string()
    );
    assert_eq!(u.manifest.runner.size, runner.len() as u64);

    let m = verify(&path, &[other_key().public(), key().public()]).unwrap();
    assert_eq!(m, w.manifest);

    let dest = dir.path().join("Vendor").join("Components");
    let mut seen = 0;
    let opened = SignedBundle::open(&path, &[key().public()]).unwrap();
    assert_eq!(opened.key(), key().public());
    opened.extract(&dest, &mut |n| seen = n).unwrap();
    assert_eq!(seen, files.iter().map(|f| f.1.len() as u64).sum::<u64>());
    for (name, data) in &files {
        assert_eq!(fs::read(dest.join(name)).unwrap(), *data, "{name}");
    }
    assert_eq!(common::listing(&dest).len(), files.len());
    assert_eq!(
        common::listing(&dir.path().join("Vendor")),
        vec!["Components"]
    );

    // Extracting again replaces the files in place.
    extract(&path, &[key().public()], &dest).unwrap();
    assert_eq!(common::listing(&dest).len(), files.len());
}

/// The same checks on bytes in memory as on the file: the path functions only open it.
#[test]
fn a_bundle_in_memory_reads_as_its_file_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.exe");
    let big = noise(2 << 20, 7);
    let files: Vec<(&str, &[u8])> = vec![("a.msi", b"aaaa"), ("big.msi", &big)];
    let w = write(&path, b"R", &files, &key(), &WriteOptions::default());
    let bytes = fs::read(&path).unwrap();
    let name = Path::new("in-memory.exe");

    assert!(has_trailer_in(Cursor::new(&bytes)).unwrap());
    assert!(!has_trailer_in(Cursor::new(&bytes[..bytes.len() - 1])).unwrap());
    assert_eq!(
        inspect_reader(Cursor::new(&bytes), name).unwrap().manifest,
        w.manifest
    );
    let opened = SignedBundle::from_reader(Cursor::new(&bytes), name, &[key().public()]).unwrap();
    let mut seen = 0;
    assert_eq!(
        opened.verify_payload(&mut |n| seen = n).unwrap(),
        w.manifest
    );
    assert_eq!(seen, 4 + big.len() as u64);

    let dest = dir.path().join("out");
    SignedBundle::from_reader(Cursor::new(&bytes), name, &[key().public()])
        .unwrap()
        .extract(&dest, &mut |_| {})
        .unwrap();
    assert_eq!(fs::read(dest.join("big.msi")).unwrap(), big);

    // A damaged byte in memory is named with the name given.
    let mut damaged = bytes.clone();
    let at = (w.layout.payload.offset + w.layout.payload.len / 2) as usize;
    damaged[at] ^= 0xFF;
    let err = SignedBundle::from_reader(Cursor::new(&damaged), name, &[key().public()])
        .unwrap()
        .verify_payload(&mut |_| {})
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("in-memory.exe: verification failed"),
        "{err}"
    );
    assert!(err.to_string().contains("big.msi"), "{err}");
}

#[test]
fn payload_is_a_plain_tar_in_manifest_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.exe");
    let files: Vec<(&str, &[u8])> = vec![("z.msi", b"zz"), ("a.msi", b"aaaa")];
    let w = write(&path, b"R", &files, &key(), &WriteOptions::default());
    let bytes = fs::read(&path).unwrap();
    let p = w.layout.payload;
    let compressed = &bytes[p.offset as usize..(p.offset + p.len) as usize];
    let tar_bytes = zstd::decode_all(compressed).unwrap();
    let mut archive = tar::Archive::new(&tar_bytes[..]);
    let mut names = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        assert_eq!(entry.header().entry_type(), tar::EntryType::Regular);
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        names.push((entry.path().unwrap().to_string_lossy().into_owned(), data));
    }
    assert_eq!(
        names,
        vec![
            ("z.msi".to_string(), b"zz".to_vec()),
            ("a.msi".to_string(), b"aaaa".to_vec())
        ]
    );
}

#[test]
fn reproducible_whatever_the_worker_count() {
    let dir = tempfile::tempdir().unwrap();
    let big = noise(5 << 20, 2);
    let files: Vec<(&str, &[u8])> = vec![("a.msi", &big), ("b.txt", b"text")];
    let mut outputs = Vec::new();
    for workers in [1, 2, 3] {
        let path = dir.path().join(format!("b{workers}.exe"));
        let options = WriteOptions {
            workers,
            ..reproducible()
        };
        write(&path, b"runner", &files, &key(), &options);
        outputs.push(fs::read(&path).unwrap());
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    // Without reproducibility, the id differs.
    let a = dir.path().join("r1.exe");
    let b = dir.path().join("r2.exe");
    let w1 = write(&a, b"runner", &files, &key(), &WriteOptions::default());
    let w2 = write(&b, b"runner", &files, &key(), &WriteOptions::default());
    assert_ne!(w1.manifest.bundle_id, w2.manifest.bundle_id);
}

#[test]
fn source_that_does_not_match_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("out.exe");
    let cases: Vec<(&[u8], &str)> = vec![
        (b"shor", "ends after 4 bytes"),
        (b"longer!", "longer than the 5 bytes"),
        (b"HELLO", "sha256 is"),
    ];
    for (data, expect) in cases {
        let m = manifest(&[("a.msi", b"hello")]);
        let err = write_bundle(
            &dest,
            &b"runner"[..],
            m,
            &key(),
            |_| Ok(data),
            &WriteOptions::default(),
            &mut |_| {},
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("a.msi") && msg.contains(expect), "{msg}");
        assert!(!err.is_verification());
        assert!(common::listing(dir.path()).is_empty(), "left behind");
    }
    let mut m = manifest(&[("a.msi", b"hello")]);
    m.files[0].name = "../evil".into();
    let err = write_bundle(
        &dest,
        &b"runner"[..],
        m,
        &key(),
        |_| Ok(&b"hello"[..]),
        &WriteOptions::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(err.to_string().contains("files[0].name"), "{err}");
    assert!(common::listing(dir.path()).is_empty());
}

#[test]
fn untrusted_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.exe");
    write(
        &path,
        b"R",
        &[("a.msi", b"a")],
        &key(),
        &WriteOptions::default(),
    );
    let err = verify(&path, &[other_key().public()]).unwrap_err();
    assert!(err.is_verification());
    let fp = key().public().fingerprint().to_string();
    assert_eq!(
        err.failure(),
        Some(&Failure::UntrustedKey {
            fingerprint: fp.clone()
        })
    );
    assert!(err.to_string().contains(&fp));
    let err = verify(&path, &[]).unwrap_err();
    assert!(err.to_string().contains(&fp), "{err}");
}

#[test]
fn not_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain");
    fs::write(&path, b"just a file").unwrap();
    assert!(!has_trailer(&path).unwrap());
    let err = inspect(&path).unwrap_err();
    assert_eq!(err.failure(), Some(&Failure::NotABundle));
    fs::write(&path, b"").unwrap();
    assert!(!has_trailer(&path).unwrap());
    assert_eq!(
        inspect(&path).unwrap_err().failure(),
        Some(&Failure::NotABundle)
    );
}

#[test]
fn every_allowed_level_reads_back_and_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = noise(100_000, 3);
    let files: Vec<(&str, &[u8])> = vec![("a.msi", &data), ("b.txt", &[b'x'; 50_000])];
    for level in [1, 19] {
        let path = dir.path().join(format!("l{level}.exe"));
        let options = WriteOptions {
            level,
            ..WriteOptions::default()
        };
        write(&path, b"R", &files, &key(), &options);
        verify(&path, &[key().public()]).unwrap();
    }
    for level in [0, 20, 22] {
        let options = WriteOptions {
            level,
            ..WriteOptions::default()
        };
        let err = write_bundle(
            &dir.path().join("x"),
            &b"R"[..],
            manifest(&files),
            &key(),
            |_| Ok(&b""[..]),
            &options,
            &mut |_| {},
        )
        .unwrap_err();
        assert!(err.to_string().contains("1..=19"), "{err}");
    }
}

#[test]
fn large_window_payload_is_refused() {
    // A payload compressed with a 128 MiB window (level 22 "ultra") exceeds the reader's bound.
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<(&str, &[u8])> = vec![("a.msi", b"hello")];
    let m = filled_manifest(b"R", &files, &key());
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 22).unwrap();
    enc.window_log(27).unwrap();
    enc.long_distance_matching(true).unwrap();
    std::io::Write::write_all(&mut enc, &spec_tar(&files)).unwrap();
    let payload = enc.finish().unwrap();
    let path = dir.path().join("w.exe");
    fs::write(&path, assemble(b"R", &m, &payload, &key())).unwrap();
    let err = verify(&path, &[key().public()]).unwrap_err();
    assert_eq!(err.failure().unwrap().kind(), "payload", "{err}");
}

#[test]
fn extract_is_all_or_nothing_when_a_move_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.exe");
    let files: Vec<(&str, &[u8])> = vec![("a.msi", b"new a"), ("b.msi", b"new b")];
    write(&path, b"R", &files, &key(), &WriteOptions::default());
    let dest = dir.path().join("dest");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("a.msi"), b"old a").unwrap();
    // A folder where the second file goes: no rename can replace it.
    fs::create_dir(dest.join("b.msi")).unwrap();
    fs::write(dest.join("b.msi").join("keep"), b"k").unwrap();

    let err = extract(&path, &[key().public()], &dest).unwrap_err();
    assert!(err.to_string().contains("b.msi"), "{err}");
    assert_eq!(fs::read(dest.join("a.msi")).unwrap(), b"old a");
    assert_eq!(fs::read(dest.join("b.msi").join("keep")).unwrap(), b"k");
    assert_eq!(common::listing(&dest), vec!["a.msi", "b.msi"]);
    assert_eq!(common::listing(dir.path()), vec!["b.exe", "dest"]);
}

#[cfg(unix)]
#[test]
fn extract_through_a_symlinked_destination_stages_beside_its_target() {
    // The target may be on another file system than the link: files staged
    // beside the link could not be renamed into it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.exe");
    write(
        &path,
        b"R",
        &[("a.msi", b"aaaa")],
        &key(),
        &WriteOptions::default(),
    );
    let real = dir.path().join("elsewhere").join("real");
    fs::create_dir_all(&real).unwrap();
    let links = dir.path().join("links");
    fs::create_dir(&links).unwrap();
    std::os::unix::fs::symlink(&real, links.join("dest")).unwrap();
    let mut staged_beside_link = false;
    let mut staged_beside_target = false;
    SignedBundle::open(&path, &[key().public()])
        .unwrap()
        .extract(&links.join("dest"), &mut |_| {
            staged_beside_link |= common::listing(&links).len() > 1;
            staged_beside_target |= common::listing(real.parent().unwrap()).len() > 1;
        })
        .unwrap();
    assert!(!staged_beside_link && staged_beside_target);
    assert_eq!(fs::read(real.join("a.msi")).unwrap(), b"aaaa");
    assert_eq!(common::listing(&links), vec!["dest"]);
}

#[test]
fn extract_leaves_nothing_when_it_panics_midway() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.exe");
    let big = noise(3 << 20, 2);
    write(
        &path,
        b"R",
        &[("big.msi", &big)],
        &key(),
        &WriteOptions::default(),
    );
    let dest = dir.path().join("dest");
    let opened = SignedBundle::open(&path, &[key().public()]).unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        opened.extract(&dest, &mut |done| assert!(done < 1 << 20, "stop here"))
    }));
    assert!(outcome.is_err());
    assert_eq!(common::listing(dir.path()), vec!["b.exe"]);
}

#[test]
fn read_files_returns_the_named_small_files_and_stops_after_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let big = noise(2 << 20, 9);
    let files: Vec<(&str, &[u8])> = vec![
        ("a.pl.xml", b"<listing/>"),
        ("a.pl.xml.sig", b"signature\n"),
        ("big.msi", &big),
    ];
    let path = dir.path().join("Bundle.exe");
    write(&path, b"runner", &files, &key(), &WriteOptions::default());
    // Damage the last file: a whole pass fails, reading the first two does not.
    let payload = inspect(&path).unwrap().layout.payload;
    let mut bytes = fs::read(&path).unwrap();
    bytes[(payload.offset + payload.len / 2) as usize] ^= 1;
    fs::write(&path, bytes).unwrap();

    let mut opened = SignedBundle::open(&path, &[key().public()]).unwrap();
    let read = opened
        .read_files(&["a.pl.xml.sig", "a.pl.xml"], 4096)
        .unwrap();
    assert_eq!(read, [b"signature\n".to_vec(), b"<listing/>".to_vec()]);
    // Again, from the start: the payload is read anew.
    let again = opened.read_files(&["a.pl.xml"], 4096).unwrap();
    assert_eq!(again, [b"<listing/>".to_vec()]);
    for (name, limit, problem) in [
        ("nope.xml", 4096, "is not a file of the bundle"),
        ("big.msi", 4096, "more than the 4096 read here"),
    ] {
        let err = opened.read_files(&[name], limit).unwrap_err();
        assert!(
            matches!(err.failure(), Some(Failure::File { name: n, problem: p }) if n == name && p.contains(problem)),
            "{err}"
        );
    }
    let err = opened.read_files(&["big.msi"], 4 << 20).unwrap_err();
    assert!(
        matches!(err.failure(), Some(Failure::File { name, .. }) if name == "big.msi"),
        "{err}"
    );
    assert!(opened.verify_payload(&mut |_| {}).is_err());
}
