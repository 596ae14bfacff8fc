//! Service protection, as Dataverse applies it per user: a sliding window of requests (`0x80072322`), of
//! their combined execution time (`0x80072321`), and a limit on concurrent requests (`0x80072326`), answered
//! with 429 and `Retry-After`; every response carries the `x-ms-ratelimit-*` headers (Microsoft Learn,
//! "Service protection API limits").

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

/// Limits per user. Dataverse: 6000 requests and 1,200,000 ms of combined execution time per 300 s, 52
/// concurrent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub requests: u32,
    pub window: Duration,
    pub concurrent: u32,
    /// The requests' combined execution time allowed in the window.
    pub execution: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            requests: 6000,
            window: Duration::from_secs(300),
            concurrent: 52,
            execution: Duration::from_millis(1_200_000),
        }
    }
}

#[derive(Default)]
struct UserUsage {
    recent: VecDeque<Instant>,
    /// When each answered request ended, and how long it took.
    spent: VecDeque<(Instant, Duration)>,
    in_flight: u32,
}

impl UserUsage {
    fn execution_time(&self) -> Duration {
        self.spent.iter().map(|(_, took)| *took).sum()
    }
}

#[derive(Default)]
pub struct Usage {
    users: Mutex<HashMap<String, UserUsage>>,
}

enum Verdict {
    Allowed { remaining: u32, time_remaining: Duration },
    TooMany { retry_after: Duration },
    TooLong { retry_after: Duration },
    TooConcurrent,
}

impl Usage {
    fn admit(&self, user: &str, limits: Limits, now: Instant) -> Verdict {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let usage = users.entry(user.to_owned()).or_default();
        while usage.recent.front().is_some_and(|t| now.duration_since(*t) >= limits.window) {
            usage.recent.pop_front();
        }
        while usage.spent.front().is_some_and(|(t, _)| now.duration_since(*t) >= limits.window) {
            usage.spent.pop_front();
        }
        if usage.recent.len() as u32 >= limits.requests {
            let oldest = usage.recent.front().copied().unwrap_or(now);
            return Verdict::TooMany {
                retry_after: limits.window.saturating_sub(now.duration_since(oldest)),
            };
        }
        let spent = usage.execution_time();
        if spent >= limits.execution {
            // Until enough of the time spent leaves the window to be under the limit again.
            let mut over = spent - limits.execution;
            let mut retry_after = Duration::ZERO;
            for (ended, took) in &usage.spent {
                retry_after = limits.window.saturating_sub(now.duration_since(*ended));
                if *took > over {
                    break;
                }
                over -= *took;
            }
            return Verdict::TooLong { retry_after };
        }
        if usage.in_flight >= limits.concurrent {
            return Verdict::TooConcurrent;
        }
        usage.recent.push_back(now);
        usage.in_flight += 1;
        Verdict::Allowed {
            remaining: limits.requests - usage.recent.len() as u32,
            time_remaining: limits.execution - spent,
        }
    }

    /// The request ended at `now` after `took`: its slot is free, its time counts in the window.
    fn release(&self, user: &str, now: Instant, took: Duration) {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(usage) = users.get_mut(user) {
            usage.in_flight = usage.in_flight.saturating_sub(1);
            usage.spent.push_back((now, took));
        }
    }
}

/// A request in flight, counted until it is dropped (answered, or cancelled), its time counted then.
struct InFlight<'a> {
    usage: &'a Usage,
    user: &'a str,
    started: Instant,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        self.usage.release(self.user, now, now.duration_since(self.started));
    }
}

/// Milliseconds as the header writes them: `1,200,000.00`.
fn milliseconds(duration: Duration) -> String {
    let whole = duration.as_millis().to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped}.{:02}", duration.subsec_micros() % 1000 / 10)
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
        Verdict::Allowed { remaining, time_remaining } => {
            // Released however the request ends: a client that drops its connection mid-request cancels
            // this future, and the slot must not stay taken for good.
            let _slot = InFlight { usage: &state.usage, user: &user, started: Instant::now() };
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert("x-ms-ratelimit-burst-remaining-xrm-requests", HeaderValue::from(remaining));
            if let Ok(value) = HeaderValue::from_str(&milliseconds(time_remaining)) {
                headers.insert("x-ms-ratelimit-time-remaining-xrm-requests", value);
            }
            response
        }
        Verdict::TooLong { retry_after } => {
            let message = format!(
                "Combined execution time of incoming requests exceeded limit of {} milliseconds over time \
                 window of {} seconds. Decrease number of concurrent requests or reduce the duration of \
                 requests and try again later.",
                milliseconds(limits.execution).trim_end_matches(".00"),
                limits.window.as_secs()
            );
            throttled("0x80072321", message, seconds_up(retry_after).max(1))
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
        let limits = Limits { requests: 2, window: Duration::from_secs(10), ..Limits::default() };
        let start = Instant::now();
        for _ in 0..2 {
            assert!(matches!(usage.admit("u", limits, start), Verdict::Allowed { .. }));
            usage.release("u", start, Duration::ZERO);
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
        let limits =
            Limits { requests: 100, window: Duration::from_secs(10), concurrent: 1, ..Limits::default() };
        let now = Instant::now();
        assert!(matches!(usage.admit("u", limits, now), Verdict::Allowed { .. }));
        assert!(matches!(usage.admit("u", limits, now), Verdict::TooConcurrent));
        usage.release("u", now, Duration::ZERO);
        assert!(matches!(usage.admit("u", limits, now), Verdict::Allowed { .. }));
    }

    #[test]
    fn execution_time_counts_in_the_window_until_it_leaves_it() {
        let usage = Usage::default();
        let limits = Limits {
            window: Duration::from_secs(10),
            execution: Duration::from_millis(1000),
            ..Limits::default()
        };
        let start = Instant::now();
        let Verdict::Allowed { time_remaining, .. } = usage.admit("u", limits, start) else { panic!() };
        assert_eq!(time_remaining, Duration::from_millis(1000));
        usage.release("u", start + Duration::from_secs(1), Duration::from_millis(600));
        let Verdict::Allowed { time_remaining, .. } =
            usage.admit("u", limits, start + Duration::from_secs(2))
        else {
            panic!("600 of 1000 ms spent")
        };
        assert_eq!(time_remaining, Duration::from_millis(400));
        usage.release("u", start + Duration::from_secs(3), Duration::from_millis(500));
        // 1100 ms spent: refused until the first request's 600 ms leave the window (10 s after it ended).
        let Verdict::TooLong { retry_after } = usage.admit("u", limits, start + Duration::from_secs(4))
        else {
            panic!("over the limit")
        };
        assert_eq!(retry_after, Duration::from_secs(7));
        assert!(matches!(usage.admit("other", limits, start), Verdict::Allowed { .. }), "per user");
        assert!(matches!(
            usage.admit("u", limits, start + Duration::from_secs(11)),
            Verdict::Allowed { time_remaining, .. } if time_remaining == Duration::from_millis(500)
        ));
    }

    #[test]
    fn milliseconds_are_written_as_dataverse_writes_them() {
        assert_eq!(milliseconds(Duration::from_millis(1_200_000)), "1,200,000.00");
        assert_eq!(milliseconds(Duration::from_micros(999_990)), "999.99");
        assert_eq!(milliseconds(Duration::ZERO), "0.00");
    }
}
