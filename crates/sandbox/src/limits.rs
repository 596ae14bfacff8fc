//! Service protection, as Dataverse applies it per user: a sliding window of requests (`0x80072322`) and a
//! limit on concurrent requests (`0x80072326`), answered with 429 and `Retry-After`; every response
//! carries the `x-ms-ratelimit-*` headers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::identity::keys::VerifiedToken;
use crate::org::auth::bearer_token;
use crate::org::errors::DataverseError;
use crate::state::SandboxState;

/// Limits per user. Dataverse: 6000 requests per 300 s, 52 concurrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub requests: u32,
    pub window: Duration,
    pub concurrent: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self { requests: 6000, window: Duration::from_secs(300), concurrent: 52 }
    }
}

#[derive(Default)]
struct UserUsage {
    recent: VecDeque<Instant>,
    in_flight: u32,
}

#[derive(Default)]
pub struct Usage {
    users: Mutex<HashMap<String, UserUsage>>,
}

enum Verdict {
    Allowed { remaining: u32 },
    TooMany { retry_after: Duration },
    TooConcurrent,
}

impl Usage {
    fn admit(&self, user: &str, limits: Limits, now: Instant) -> Verdict {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let usage = users.entry(user.to_owned()).or_default();
        while usage.recent.front().is_some_and(|t| now.duration_since(*t) >= limits.window) {
            usage.recent.pop_front();
        }
        if usage.recent.len() as u32 >= limits.requests {
            let oldest = usage.recent.front().copied().unwrap_or(now);
            return Verdict::TooMany {
                retry_after: limits.window.saturating_sub(now.duration_since(oldest)),
            };
        }
        if usage.in_flight >= limits.concurrent {
            return Verdict::TooConcurrent;
        }
        usage.recent.push_back(now);
        usage.in_flight += 1;
        Verdict::Allowed { remaining: limits.requests - usage.recent.len() as u32 }
    }

    fn release(&self, user: &str) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(usage) = users.get_mut(user) {
            usage.in_flight = usage.in_flight.saturating_sub(1);
        }
    }
}

/// A request in flight, counted until it is dropped (answered, or cancelled).
struct InFlight<'a> {
    usage: &'a Usage,
    user: &'a str,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.usage.release(self.user);
    }
}

/// The user a request counts against: the verified token's object id (requests without a valid token are
/// not counted; they get their 401 from the Web API). The verified claims ride along with the request.
fn user_of(state: &SandboxState, request: &mut Request) -> Option<String> {
    let claims = state.keys.verify(bearer_token(request.headers())?).ok()?;
    let user = claims.oid.clone();
    request.extensions_mut().insert(VerifiedToken(claims));
    Some(user)
}

fn seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

pub async fn protect(State(state): State<Arc<SandboxState>>, mut request: Request, next: Next) -> Response {
    let limits = state.options.limits;
    let Some(user) = user_of(&state, &mut request) else {
        return next.run(request).await;
    };
    match state.usage.admit(&user, limits, Instant::now()) {
        Verdict::Allowed { remaining } => {
            // Released however the request ends: a client that drops its connection mid-request cancels
            // this future, and the slot must not stay taken for good.
            let _slot = InFlight { usage: &state.usage, user: &user };
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert("x-ms-ratelimit-burst-remaining-xrm-requests", HeaderValue::from(remaining));
            headers.insert(
                "x-ms-ratelimit-time-remaining-xrm-requests",
                HeaderValue::from_static("1,200,000.00"),
            );
            response
        }
        Verdict::TooMany { retry_after } => {
            let message = format!(
                "Number of requests exceeded the limit of {} over time window of {} seconds.",
                limits.requests,
                limits.window.as_secs()
            );
            throttled("0x80072322", message, seconds_up(retry_after).max(1))
        }
        Verdict::TooConcurrent => throttled(
            "0x80072326",
            format!("Number of concurrent requests exceeded the limit of {}.", limits.concurrent),
            1,
        ),
    }
}

fn throttled(code: &'static str, message: String, retry_after: u64) -> Response {
    tracing::info!(code, retry_after, "429 from service protection");
    let mut response = DataverseError::new(StatusCode::TOO_MANY_REQUESTS, code, message).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let usage = Usage::default();
        let limits = Limits { requests: 2, window: Duration::from_secs(10), concurrent: 10 };
        let start = Instant::now();
        for _ in 0..2 {
            assert!(matches!(usage.admit("u", limits, start), Verdict::Allowed { .. }));
            usage.release("u");
        }
        let Verdict::TooMany { retry_after } = usage.admit("u", limits, start + Duration::from_secs(4))
        else {
            panic!("the third request in the window is refused");
        };
        assert_eq!(retry_after, Duration::from_secs(6));
        assert!(
            matches!(usage.admit("other", limits, start), Verdict::Allowed { .. }),
            "limits are per user"
        );
        assert!(matches!(usage.admit("u", limits, start + Duration::from_secs(10)), Verdict::Allowed { .. }));
    }

    #[test]
    fn concurrency_is_counted_until_release() {
        let usage = Usage::default();
        let limits = Limits { requests: 100, window: Duration::from_secs(10), concurrent: 1 };
        let now = Instant::now();
        assert!(matches!(usage.admit("u", limits, now), Verdict::Allowed { .. }));
        assert!(matches!(usage.admit("u", limits, now), Verdict::TooConcurrent));
        usage.release("u");
        assert!(matches!(usage.admit("u", limits, now), Verdict::Allowed { .. }));
    }
}
