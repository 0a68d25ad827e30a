//! Downloads against a real HTTP server on 127.0.0.1 with fault switches: a
//! dropped connection resumes with only the rest, 5xx and slow first bytes are
//! retried, 404 is not, a trickle (of a payload, a listing or its signature)
//! is ended by the minimum rate, wrong bytes
//! leave nothing in the cache, a server without Range support restarts the
//! file, and two fetches sharing one cache download a file once.

use crate::common;

use airlock::fetch::{Cache, Error, Fetcher, Local, MinRate, Options, Progress, Wanted};
use common::bundle::content;
use common::faults::{Fault, FaultServer};
use sha2::{Digest, Sha256};
use std::time::Duration;

const SIZE: usize = 1024 * 1024;

fn options() -> Options {
    Options {
        jobs: 4,
        retries: 3,
        connect_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_millis(800),
        min_rate: MinRate {
            bytes_per_sec: 16 * 1024,
            window: Duration::from_secs(1),
        },
        backoff: Duration::from_millis(10),
        ca_cert: None,
        progress: Progress::Quiet,
    }
}

fn wanted(name: &str, url: &str, bytes: &[u8]) -> Wanted {
    Wanted {
        name: name.to_string(),
        url: url.parse().unwrap(),
        size: bytes.len() as u64,
        sha256: Sha256::digest(bytes).into(),
    }
}

/// Serves one file with these faults and fetches it into a new cache.
fn fetch_with(
    once: Vec<Fault>,
    always: Vec<Fault>,
    options: Options,
) -> (
    FaultServer,
    tempfile::TempDir,
    Vec<u8>,
    Result<Local, Error>,
) {
    let server = FaultServer::start();
    let body = content(7, SIZE);
    let url = server.add("f.msi", body.clone(), once, always);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(dir.path())).unwrap();
    let fetcher = Fetcher::new(options).unwrap();
    let result = fetcher
        .fetch_all(&cache, &[wanted("f.msi", &url, &body)], true)
        .map(|mut all| all.remove(0));
    (server, dir, body, result)
}

fn assert_fetched(result: &Result<Local, Error>, body: &[u8]) {
    let local = result.as_ref().unwrap();
    assert!(local.verified);
    assert_eq!(std::fs::read(&local.path).unwrap(), body);
}

#[test]
fn a_dropped_connection_resumes_with_only_the_rest() {
    let (server, _dir, body, result) = fetch_with(vec![Fault::Drop(300_000)], vec![], options());
    assert_fetched(&result, &body);
    assert_eq!(server.requests("f.msi"), 2);
    assert_eq!(
        server.bytes("f.msi"),
        SIZE,
        "only the rest is fetched again"
    );
    assert_eq!(
        server.ranges("f.msi"),
        vec![None, Some("bytes=300000-".to_string())]
    );
}

#[test]
fn a_part_left_by_an_interrupted_run_is_resumed_by_the_next() {
    let server = FaultServer::start();
    let body = content(8, SIZE);
    let url = server.add("f.msi", body.clone(), vec![Fault::Drop(400_000)], vec![]);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(dir.path())).unwrap();
    let want = [wanted("f.msi", &url, &body)];
    let first = Fetcher::new(Options {
        retries: 0,
        ..options()
    })
    .unwrap();
    let error = first.fetch_all(&cache, &want, true).unwrap_err();
    assert!(error.is_download(), "{error}");
    assert!(
        error
            .to_string()
            .contains("dropped after 400000 of 1048576 bytes"),
        "{error}"
    );
    let second = Fetcher::new(options()).unwrap();
    let local = second.fetch_all(&cache, &want, true).unwrap().remove(0);
    assert_eq!(std::fs::read(local.path).unwrap(), body);
    assert_eq!(server.bytes("f.msi"), SIZE);
    assert_eq!(server.ranges("f.msi")[1].as_deref(), Some("bytes=400000-"));
}

#[test]
fn server_errors_are_retried_until_the_file_comes() {
    let (server, _dir, body, result) = fetch_with(
        vec![Fault::Status(500), Fault::Status(500)],
        vec![],
        options(),
    );
    assert_fetched(&result, &body);
    assert_eq!(server.requests("f.msi"), 3);
}

#[test]
fn not_found_is_not_retried() {
    let (server, dir, _, result) = fetch_with(vec![], vec![Fault::Status(404)], options());
    let error = result.unwrap_err();
    assert!(error.is_download());
    let text = error.to_string();
    assert!(
        text.starts_with("f.msi: cannot download http://127.0.0.1:")
            && text.contains("/f.msi: the server answered HTTP 404"),
        "{text}"
    );
    assert_eq!(server.requests("f.msi"), 1);
    assert!(
        Cache::open(Some(dir.path()))
            .unwrap()
            .list()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn retries_are_bounded_and_say_how_many_were_made() {
    let (server, _dir, _, result) = fetch_with(vec![], vec![Fault::Status(503)], options());
    let text = result.unwrap_err().to_string();
    assert!(
        text.contains("HTTP 503") && text.contains("(after 4 attempts)"),
        "{text}"
    );
    assert_eq!(server.requests("f.msi"), 4);
}

#[test]
fn a_slow_first_byte_times_out_and_the_retry_succeeds() {
    let (server, _dir, body, result) = fetch_with(
        vec![Fault::Delay(Duration::from_secs(3))],
        vec![],
        options(),
    );
    assert_fetched(&result, &body);
    assert_eq!(server.requests("f.msi"), 2);
}

#[test]
fn a_trickle_is_ended_by_the_minimum_rate() {
    let options = Options {
        retries: 1,
        ..options()
    };
    let (server, _dir, _, result) = fetch_with(vec![], vec![Fault::Trickle], options);
    let error = result.unwrap_err();
    let text = error.to_string();
    assert!(error.is_download(), "{text}");
    assert!(
        text.contains("too slow") && text.contains("(after 2 attempts)"),
        "{text}"
    );
    assert_eq!(server.requests("f.msi"), 2);
    // Each attempt is ended after about one window (1 s) of the trickle's
    // 5 bytes a second, a few bytes, not after the file (2.4 days of it);
    // 20 bytes an attempt leaves room for a loaded machine.
    let served = server.bytes("f.msi");
    assert!(served <= 2 * 20, "{served} bytes served");
}

#[test]
fn a_trickling_listing_or_signature_is_ended_by_the_minimum_rate() {
    let listing = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/site/itms.pl.xml"
    ))
    .unwrap();
    // The listing itself trickles; then the listing comes whole and its signature trickles.
    for (trickled, with_signature) in [("itms.pl.xml", false), ("itms.pl.xml.sig", true)] {
        let server = FaultServer::start();
        let faults = |path: &str| match path == trickled {
            true => vec![Fault::Trickle],
            false => vec![],
        };
        let url = server.add(
            "itms.pl.xml",
            listing.clone(),
            vec![],
            faults("itms.pl.xml"),
        );
        server.add(
            "itms.pl.xml.sig",
            vec![b'x'; 64],
            vec![],
            faults("itms.pl.xml.sig"),
        );
        let fetcher = Fetcher::new(Options {
            retries: 1,
            ..options()
        })
        .unwrap();
        let error = airlock::fetch::read_listing(&fetcher, &url, with_signature).unwrap_err();
        let text = error.to_string();
        assert!(
            matches!(error, airlock::listing::Error::Download { .. }),
            "{trickled}: {text}"
        );
        assert!(
            text.contains("too slow") && text.contains("(after 2 attempts)"),
            "{trickled}: {text}"
        );
        // Each attempt ended after about one window: a few bytes, not the whole file.
        assert_eq!(server.requests(trickled), 2, "{trickled}");
        assert!(
            server.bytes(trickled) < 40,
            "{trickled}: {}",
            server.bytes(trickled)
        );
    }
}

#[test]
fn wrong_bytes_are_refused_and_nothing_is_kept() {
    let (server, dir, body, result) = fetch_with(vec![], vec![Fault::Wrong], options());
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Mismatch { .. }));
    assert!(error.is_download());
    let wrong: Vec<u8> = body.iter().map(|b| b.wrapping_add(1)).collect();
    let text = error.to_string();
    for part in [
        format!("{}f.msi", server.base),
        format!(
            "expected {SIZE} bytes with sha256 {}",
            hex::encode(Sha256::digest(&body))
        ),
        format!(
            "got {SIZE} bytes with sha256 {}",
            hex::encode(Sha256::digest(&wrong))
        ),
    ] {
        assert!(text.contains(&part), "{part} not in {text}");
    }
    assert_eq!(server.requests("f.msi"), 1, "wrong bytes are not retried");
    let cache = Cache::open(Some(dir.path())).unwrap();
    assert!(
        cache.list().unwrap().is_empty(),
        "the cache is not poisoned"
    );
    let partial: Vec<_> = std::fs::read_dir(dir.path().join("partial"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(partial.is_empty(), "{partial:?}");
}

#[test]
fn a_server_without_range_support_sends_the_whole_file_again() {
    let (server, _dir, body, result) = fetch_with(
        vec![Fault::Drop(300_000)],
        vec![Fault::IgnoreRange],
        options(),
    );
    assert_fetched(&result, &body);
    assert_eq!(server.requests("f.msi"), 2);
    assert_eq!(server.bytes("f.msi"), 300_000 + SIZE);
}

#[test]
fn an_encoded_body_is_refused() {
    let (server, _dir, _, result) = fetch_with(vec![], vec![Fault::Gzip], options());
    let text = result.unwrap_err().to_string();
    assert!(
        text.contains("Content-Encoding gzip; the listing's hash is of the file itself"),
        "{text}"
    );
    assert_eq!(server.requests("f.msi"), 1);
}

#[test]
fn a_second_fetch_of_the_same_files_downloads_nothing() {
    let server = FaultServer::start();
    let files: Vec<(String, Vec<u8>)> = (0..6)
        .map(|i| (format!("p{i}.msi"), content(i, 100_000 + i as usize)))
        .collect();
    let want: Vec<Wanted> = files
        .iter()
        .map(|(name, body)| wanted(name, &server.add(name, body.clone(), vec![], vec![]), body))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(dir.path())).unwrap();
    let fetcher = Fetcher::new(options()).unwrap();
    let first = fetcher.fetch_all(&cache, &want, true).unwrap();
    assert!(first.iter().all(|l| l.verified));
    let second = fetcher.fetch_all(&cache, &want, true).unwrap();
    for (i, (name, body)) in files.iter().enumerate() {
        assert_eq!(server.requests(name), 1, "{name}");
        assert_eq!(second[i].path, first[i].path);
        assert!(!second[i].verified, "a hit is left to the writer to hash");
        assert_eq!(std::fs::read(&second[i].path).unwrap(), *body);
    }
    // A hit found wrong by the writer is fetched again, and only then.
    fetcher.refetch(&cache, &want[2]).unwrap();
    assert_eq!(server.requests("p2.msi"), 2);
    assert_eq!(cache.list().unwrap().len(), 6);
}

#[test]
fn two_fetches_sharing_one_cache_download_once() {
    let server = FaultServer::start();
    let body = content(9, SIZE);
    let url = server.add(
        "shared.msi",
        body.clone(),
        vec![Fault::Delay(Duration::from_millis(300))],
        vec![],
    );
    let dir = tempfile::tempdir().unwrap();
    let want = [wanted("shared.msi", &url, &body)];
    let results: Vec<Local> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    // Each its own cache handle and client, as two builds would have.
                    let cache = Cache::open(Some(dir.path())).unwrap();
                    let fetcher = Fetcher::new(options()).unwrap();
                    fetcher.fetch_all(&cache, &want, true).unwrap().remove(0)
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(server.requests("shared.msi"), 1);
    assert_eq!(results[0].path, results[1].path);
    assert_eq!(
        results.iter().filter(|l| l.verified).count(),
        1,
        "one downloaded it, the other found it cached"
    );
    assert_eq!(std::fs::read(&results[0].path).unwrap(), body);
}

#[test]
fn a_listing_over_http_may_not_name_local_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.msi");
    std::fs::write(&path, b"local").unwrap();
    let want = [Wanted {
        name: "local.msi".into(),
        url: url::Url::from_file_path(&path).unwrap(),
        size: 5,
        sha256: Sha256::digest(b"local").into(),
    }];
    let cache = Cache::open(Some(&dir.path().join("cache"))).unwrap();
    let fetcher = Fetcher::new(options()).unwrap();
    let error = fetcher.fetch_all(&cache, &want, true).unwrap_err();
    assert!(matches!(error, Error::Refused { .. }), "{error}");
    assert!(error.to_string().contains("may not name a local file"));
    // From a local listing it is used where it is, not copied.
    let local = fetcher.fetch_all(&cache, &want, false).unwrap().remove(0);
    assert_eq!(local.path, path);
    assert!(cache.list().unwrap().is_empty());
}

#[test]
fn a_file_longer_or_shorter_than_listed_is_refused_without_retries() {
    let server = FaultServer::start();
    let body = content(10, SIZE);
    let url = server.add("f.msi", body.clone(), vec![], vec![]);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(Some(dir.path())).unwrap();
    let fetcher = Fetcher::new(options()).unwrap();
    let shorter = wanted("f.msi", &url, &body[..SIZE - 10]);
    let text = fetcher
        .fetch_all(&cache, &[shorter], true)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains(&format!("got more than {} bytes", SIZE - 10)),
        "{text}"
    );
    let mut longer = wanted("f.msi", &url, &body);
    longer.size += 10;
    let text = fetcher
        .fetch_all(&cache, &[longer], true)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains(&format!("expected {} bytes", SIZE + 10))
            && text.contains(&format!(
                "got {SIZE} bytes with sha256 {}",
                hex::encode(Sha256::digest(&body))
            )),
        "{text}"
    );
    assert_eq!(server.requests("f.msi"), 2);
    assert!(cache.list().unwrap().is_empty());
}
