//! A small HTTP/1.1 server on 127.0.0.1 with fault switches, on plain
//! `std::net` threads: each path serves its bytes (with `Range` and a strong
//! ETag), and faults change what a request gets: a dropped connection, a status,
//! a late first byte, a trickle, wrong bytes, no Range support, an encoded body,
//! a required `Authorization`.
//! It counts requests and body bytes per path, so tests can assert that a
//! resume fetched only the rest and that a cached file is downloaded once.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Fault {
    /// Announce the whole length, send this many body bytes, close.
    Drop(usize),
    /// Answer this status with an empty body.
    Status(u16),
    /// Wait this long before answering.
    Delay(Duration),
    /// Send the body one byte every 200 ms.
    Trickle,
    /// Send other bytes of the same length.
    Wrong,
    /// Answer 200 with the whole body, whatever the Range.
    IgnoreRange,
    /// Say `Content-Encoding: gzip`.
    Gzip,
    /// Answer 401 unless the request's `Authorization` header is this.
    Auth(String),
}

#[derive(Default)]
struct File {
    body: Arc<Vec<u8>>,
    /// One of these per request, in order, until none is left.
    once: VecDeque<Fault>,
    /// On every request.
    always: Vec<Fault>,
    requests: usize,
    bytes: usize,
    ranges: Vec<Option<String>>,
}

#[derive(Clone)]
pub struct FaultServer {
    pub base: String,
    files: Arc<Mutex<HashMap<String, File>>>,
}

impl FaultServer {
    pub fn start() -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}/", listener.local_addr().expect("address"));
        let server = FaultServer {
            base,
            files: Arc::default(),
        };
        let files = server.files.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let files = files.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &files);
                });
            }
        });
        server
    }

    /// Serves `body` at `/path` with these faults.
    pub fn add(&self, path: &str, body: Vec<u8>, once: Vec<Fault>, always: Vec<Fault>) -> String {
        self.files.lock().unwrap().insert(
            path.to_string(),
            File {
                body: Arc::new(body),
                once: once.into(),
                always,
                ..File::default()
            },
        );
        format!("{}{path}", self.base)
    }

    pub fn requests(&self, path: &str) -> usize {
        self.files.lock().unwrap()[path].requests
    }

    /// Requests for every path served, all together.
    pub fn all_requests(&self) -> usize {
        self.files
            .lock()
            .unwrap()
            .values()
            .map(|f| f.requests)
            .sum()
    }

    /// Body bytes sent for `path`, over all its requests.
    pub fn bytes(&self, path: &str) -> usize {
        self.files.lock().unwrap()[path].bytes
    }

    /// The `Range` header of each request.
    pub fn ranges(&self, path: &str) -> Vec<Option<String>> {
        self.files.lock().unwrap()[path].ranges.clone()
    }
}

fn serve(stream: TcpStream, files: &Mutex<HashMap<String, File>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let mut range = None;
    let mut if_range = None;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((&header, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "range" => range = Some(value.trim().to_string()),
            "if-range" => if_range = Some(value.trim().to_string()),
            "authorization" => authorization = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let (body, faults) = {
        let mut files = files.lock().unwrap();
        let Some(file) = files.get_mut(&path) else {
            return empty(stream, "404 Not Found");
        };
        file.requests += 1;
        file.ranges.push(range.clone());
        let mut faults = file.always.clone();
        faults.extend(file.once.pop_front());
        (file.body.clone(), faults)
    };
    let has = |f: fn(&Fault) -> bool| faults.iter().any(f);
    for fault in &faults {
        if let Fault::Delay(d) = fault {
            std::thread::sleep(*d);
        }
        if let Fault::Status(code) = fault {
            let status = format!("{code} Fault");
            return empty(stream, &status);
        }
        if let Fault::Auth(expected) = fault
            && authorization.as_ref() != Some(expected)
        {
            return empty(stream, "401 Unauthorized");
        }
    }
    let mut bytes: Vec<u8> = body.to_vec();
    if has(|f| matches!(f, Fault::Wrong)) {
        bytes.iter_mut().for_each(|b| *b = b.wrapping_add(1));
    }
    let mut headers = vec![("ETag".to_string(), "\"v1\"".to_string())];
    if has(|f| matches!(f, Fault::Gzip)) {
        headers.push(("Content-Encoding".into(), "gzip".into()));
    }
    let start = range
        .as_deref()
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|_| if_range.as_deref().is_none_or(|v| v == "\"v1\""))
        .filter(|_| !has(|f| matches!(f, Fault::IgnoreRange)))
        .filter(|&n| n < bytes.len());
    let status = match start {
        Some(n) => {
            headers.push((
                "Content-Range".into(),
                format!("bytes {n}-{}/{}", bytes.len() - 1, bytes.len()),
            ));
            bytes.drain(..n);
            "206 Partial Content"
        }
        None => "200 OK",
    };
    let send = faults.iter().find_map(|f| match f {
        Fault::Drop(n) => Some(*n),
        _ => None,
    });
    let pace = has(|f| matches!(f, Fault::Trickle)).then_some(Duration::from_millis(200));
    let mut out = stream;
    write_head(&mut out, status, &headers, bytes.len())?;
    let body = &bytes[..send.unwrap_or(bytes.len()).min(bytes.len())];
    let count = counter(files, &path);
    match pace {
        Some(pause) => {
            for byte in body {
                out.write_all(std::slice::from_ref(byte))?;
                out.flush()?;
                count(1);
                std::thread::sleep(pause);
            }
        }
        None => {
            for chunk in body.chunks(64 * 1024) {
                out.write_all(chunk)?;
                count(chunk.len());
            }
        }
    }
    out.flush()?;
    out.shutdown(std::net::Shutdown::Both)
}

fn counter<'a>(files: &'a Mutex<HashMap<String, File>>, path: &'a str) -> impl Fn(usize) + 'a {
    move |n| {
        if let Some(file) = files.lock().unwrap().get_mut(path) {
            file.bytes += n;
        }
    }
}

fn write_head(
    out: &mut TcpStream,
    status: &str,
    headers: &[(String, String)],
    len: usize,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

/// A status with no body.
fn empty(mut out: TcpStream, status: &str) -> std::io::Result<()> {
    write_head(&mut out, status, &[], 0)?;
    out.shutdown(std::net::Shutdown::Both)
}
