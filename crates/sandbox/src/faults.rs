//! Injected faults for reliability tests: on requests whose path matches a pattern, every n-th one gets
//! latency, a 500 or 503 (with `Retry-After`), a reset connection, or a truncated or malformed JSON body.
//! Spec (for `--fault`): `kind[=value],path=<glob>,every=<n>[,retry-after=<s>]`, e.g.
//! `status=503,retry-after=2,path=/api/data/v9.2/accounts*,every=3` or `latency=800,path=*`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::org::errors::DataverseError;
use crate::state::SandboxState;

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer with this status (500, 502, 503, 504) and a Dataverse error body.
    Status { status: u16, retry_after: Option<u64> },
    /// Drop the connection mid-response.
    Reset,
    /// Send only the first half of the real JSON body.
    Truncate,
    /// Send a body that is not JSON.
    Malformed,
}

#[derive(Debug)]
pub struct Fault {
    pub kind: FaultKind,
    /// `*` matches any run of characters.
    pub path: String,
    pub every: u64,
    seen: AtomicU64,
}

impl Clone for Fault {
    fn clone(&self) -> Self {
        Self::new(self.kind.clone(), &self.path, self.every)
    }
}

impl PartialEq for Fault {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.path == other.path && self.every == other.every
    }
}

impl Fault {
    pub fn new(kind: FaultKind, path: &str, every: u64) -> Self {
        Self { kind, path: path.to_owned(), every: every.max(1), seen: AtomicU64::new(0) }
    }

    pub fn parse(spec: &str) -> Result<Self, String> {
        let (mut kind, mut path, mut every, mut retry_after) = (None, "*".to_owned(), 1, None);
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item.split_once('=').map_or((item, None), |(k, v)| (k, Some(v)));
            let number = |what: &str| {
                value
                    .and_then(|v| v.trim_end_matches("ms").parse::<u64>().ok())
                    .ok_or(format!("'{item}': {what} needs a number"))
            };
            match key {
                "latency" => kind = Some(FaultKind::Latency(Duration::from_millis(number("latency")?))),
                "status" => {
                    let status = number("status")?;
                    if !(500..600).contains(&status) {
                        return Err(format!("'{item}': status must be 5xx"));
                    }
                    kind = Some(FaultKind::Status { status: status as u16, retry_after: None });
                }
                "reset" => kind = Some(FaultKind::Reset),
                "truncate" => kind = Some(FaultKind::Truncate),
                "malformed" => kind = Some(FaultKind::Malformed),
                "path" => path = value.ok_or("path needs a pattern")?.to_owned(),
                "every" => every = number("every")?.max(1),
                "retry-after" => retry_after = Some(number("retry-after")?),
                other => return Err(format!("unknown fault setting '{other}'")),
            }
        }
        let mut kind = kind.ok_or("a fault needs a kind: latency=, status=, reset, truncate or malformed")?;
        if let (FaultKind::Status { retry_after: slot, .. }, Some(seconds)) = (&mut kind, retry_after) {
            *slot = Some(seconds);
        }
        Ok(Self::new(kind, &path, every))
    }

    fn matches(&self, path: &str) -> bool {
        glob(&self.path, path)
    }

    /// Counts a matching request; true for every n-th.
    fn fires(&self) -> bool {
        (self.seen.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(self.every)
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, rest)) => {
            text.starts_with(prefix)
                && (0..=text.len() - prefix.len())
                    .filter(|i| text.is_char_boundary(prefix.len() + i))
                    .any(|i| glob(rest, &text[prefix.len() + i..]))
        }
    }
}

pub async fn inject(State(state): State<Arc<SandboxState>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let fired = {
        let faults = state.faults.read().unwrap_or_else(|p| p.into_inner());
        faults.iter().find(|f| f.matches(&path) && f.fires()).map(|f| f.kind.clone())
    };
    let Some(kind) = fired else {
        return next.run(request).await;
    };
    tracing::info!(?kind, %path, "injecting a fault");
    match kind {
        FaultKind::Latency(delay) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        FaultKind::Status { status, retry_after } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response =
                DataverseError::new(status, "0x80040216", "An unexpected error occurred (injected fault).")
                    .into_response();
            if let Some(seconds) = retry_after {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            response
        }
        FaultKind::Reset => {
            let stream = futures_util::stream::once(async {
                Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("injected connection reset"))
            });
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], Body::from_stream(stream))
                .into_response()
        }
        FaultKind::Truncate => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(bytes.slice(..bytes.len() / 2)))
        }
        FaultKind::Malformed => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; odata.metadata=minimal")],
            "{\"value\": [ {\"name\": \"broken\", ",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let fault = Fault::parse("status=503,retry-after=2,path=/api/data/v9.2/accounts*,every=3").unwrap();
        assert_eq!(fault.kind, FaultKind::Status { status: 503, retry_after: Some(2) });
        assert_eq!((fault.path.as_str(), fault.every), ("/api/data/v9.2/accounts*", 3));
        assert_eq!(
            Fault::parse("latency=800ms").unwrap().kind,
            FaultKind::Latency(Duration::from_millis(800))
        );
        assert_eq!(Fault::parse("reset,path=/x").unwrap().kind, FaultKind::Reset);
        for bad in ["", "status=200", "latency=soon", "explode", "path=/x"] {
            assert!(Fault::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_nth_matching_request_fires() {
        let fault = Fault::parse("malformed,path=/api/*,every=2").unwrap();
        assert!(fault.matches("/api/data/v9.2/accounts") && !fault.matches("/tenant/oauth2/v2.0/token"));
        let fired: Vec<bool> = (0..4).map(|_| fault.fires()).collect();
        assert_eq!(fired, [false, true, false, true]);
    }

    #[test]
    fn globs() {
        assert!(glob("*", "/anything"));
        assert!(glob("/a/*/c", "/a/b/c"));
        assert!(!glob("/a/*/c", "/a/b/d"));
        assert!(glob("*WhoAmI", "/api/data/v9.2/WhoAmI"));
    }
}
