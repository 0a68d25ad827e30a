//! Listings over http(s): the same client, retries, refusals and body rules
//! (idle timeout, minimum rate) as payloads, handed to the listing loader as
//! the way to get a URL's bytes.

use super::Fetcher;
use super::body::{Stop, read_body};
use super::retry::{self, Attempt, with_retries};
use crate::listing::{self, Copy, Remote};
use reqwest::StatusCode;
use url::Url;

/// Reads one listing (and its signature file when `with_signature`) without
/// parsing it: the bytes a registered listing keeps.
pub fn read_listing(
    fetcher: &Fetcher,
    source: &str,
    with_signature: bool,
) -> Result<Copy, listing::Error> {
    listing::read(source, with_signature, &|name, url, limit| {
        fetcher.get_bytes(name, url, limit)
    })
}

impl Fetcher {
    /// The body at `url`, at most `limit` bytes, with retries; `None` on 404.
    fn get_bytes(
        &self,
        name: &str,
        url: &Url,
        limit: u64,
    ) -> Result<Option<Remote>, listing::Error> {
        let failed = |message: String| listing::Error::Download {
            source_name: name.to_string(),
            message,
        };
        let client = self.client().map_err(|e| failed(e.to_string()))?;
        with_retries(
            &self.options,
            name,
            || {
                let response = match client.get(url.clone()).send() {
                    Ok(response) => response,
                    Err(e) => {
                        let why = format!("cannot download: {}", retry::describe(e));
                        return Err(Attempt::retry(why));
                    }
                };
                let status = response.status();
                if status == StatusCode::NOT_FOUND {
                    return Ok(None);
                }
                if !status.is_success() {
                    return Err(retry::status(status, response.headers(), failed));
                }
                if let Some(encoding) = retry::encoded(response.headers()) {
                    return Err(Attempt::Fail(failed(format!(
                        "the server sent it with Content-Encoding {encoding}; a listing is read as sent, so an encoded body is refused"
                    ))));
                }
                let len = response.content_length().unwrap_or(0);
                if len > limit {
                    return Err(Attempt::Fail(listing::too_big(name, len, limit)));
                }
                let found = with_credentials(response.url(), url);
                let capacity = usize::try_from(len).unwrap_or(0);
                let mut bytes = Vec::with_capacity(capacity);
                let options = &self.options;
                let read = read_body(
                    response,
                    limit + 1,
                    options.idle_timeout,
                    options.min_rate,
                    |chunk| {
                        bytes.extend_from_slice(chunk);
                        Ok::<(), std::convert::Infallible>(())
                    },
                );
                if let Err(Stop::Cut(cut)) = read {
                    return Err(Attempt::retry(cut.after(&format!("{} bytes", bytes.len()))));
                }
                if bytes.len() as u64 > limit {
                    return Err(Attempt::Fail(listing::too_big(
                        name,
                        bytes.len() as u64,
                        limit,
                    )));
                }
                Ok(Some(Remote { bytes, url: found }))
            },
            failed,
        )
    }
}

/// Where the listing was found after redirects, with the credentials of the
/// URL asked for when it is the same origin (the client takes them out of the
/// URL to send them as a header): payloads beside it need them too.
fn with_credentials(found: &Url, asked: &Url) -> Url {
    let mut found = found.clone();
    if found.origin() == asked.origin() && found.username().is_empty() {
        // Both can fail only for URLs that cannot have credentials (http(s) can).
        let _ = found.set_username(asked.username());
        let _ = found.set_password(asked.password());
    }
    found
}
