//! When to try a request again, and how long to wait first: Dataverse's `Retry-After` on 429, bounded
//! exponential backoff with jitter on 502/503/504 and broken connections, and only where a repeat is safe.

use std::time::Duration;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included.
    pub max_attempts: u32,
    /// The first backoff; each next one doubles, up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// A `Retry-After` longer than this is not waited out: the caller hears "throttled" at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// Why a request is being tried again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RetryReason {
    /// 429: a service protection limit; the wait is the server's `Retry-After`.
    Throttled,
    /// 502, 503 or 504.
    Unavailable { status: u16 },
    /// The connection broke or timed out, or the answer was unreadable.
    Network,
}

/// What the client reports while it works, for a status line ("throttled, retrying in 12 s").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum ClientEvent {
    Retrying {
        reason: RetryReason,
        attempt: u32,
        /// Capped at minutes by the policy: a u32 holds it.
        #[cfg_attr(feature = "specta", specta(type = u32))]
        wait_ms: u64,
    },
}

/// How a request can be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeatable {
    /// Reads, PUT, DELETE, PATCH with If-Match, an idempotent upsert: the same result however often it runs.
    Yes,
    /// A plain POST: a repeat could create twice. Only retried when the request surely never left.
    No,
}

impl RetryPolicy {
    /// The backoff before attempt `attempt + 1` (attempt counts from 1): "full jitter" between half and
    /// all of the exponential step, so that many clients do not retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let step =
            self.base_backoff.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// The wait before retrying a 429 with this `Retry-After`, or `None` when it is too long to wait.
    pub fn throttle_wait(&self, retry_after: Option<&str>) -> Option<Duration> {
        let seconds =
            retry_after.and_then(|v| v.trim().parse::<f64>().ok()).filter(|s| s.is_finite() && *s >= 0.0);
        match seconds {
            None => (self.base_backoff <= self.max_retry_after).then_some(self.base_backoff),
            // Compared before it becomes a Duration: `Retry-After: 1e300` would overflow one.
            Some(seconds) if seconds > self.max_retry_after.as_secs_f64() => None,
            Some(seconds) => Some(Duration::from_secs_f64(seconds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lowest and highest wait over many draws of `policy.backoff(attempt)`.
    fn range(policy: &RetryPolicy, attempt: u32) -> (Duration, Duration) {
        let waits: Vec<Duration> = (0..400).map(|_| policy.backoff(attempt)).collect();
        (*waits.iter().min().unwrap(), *waits.iter().max().unwrap())
    }

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let ms = Duration::from_millis;
        // The default policy's steps, written out: 0.5 s doubling to the 30 s cap, each wait drawn between
        // half the step and the whole of it. Attempt 0 (not used by the client) is treated as 1.
        let expected = [
            (0, ms(250), ms(500)),
            (1, ms(250), ms(500)),
            (2, ms(500), ms(1_000)),
            (3, ms(1_000), ms(2_000)),
            (4, ms(2_000), ms(4_000)),
            (5, ms(4_000), ms(8_000)),
            (6, ms(8_000), ms(16_000)),
            (7, ms(15_000), ms(30_000)),
            (8, ms(15_000), ms(30_000)),
            (17, ms(15_000), ms(30_000)),
            (40, ms(15_000), ms(30_000)),
            (u32::MAX, ms(15_000), ms(30_000)),
        ];
        for (attempt, low, high) in expected {
            let (min, max) = range(&policy, attempt);
            assert!(
                min >= low && max <= high,
                "attempt {attempt}: {min:?}..{max:?} outside {low:?}..{high:?}"
            );
            // The jitter spreads over the whole range: 400 draws land in its lower and upper quarters.
            let quarter = (high - low) / 4;
            assert!(min < low + quarter && max > high - quarter, "attempt {attempt}: {min:?}..{max:?}");
        }
    }

    #[test]
    fn backoff_follows_the_policys_base_and_cap() {
        let policy = RetryPolicy {
            base_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(200),
            ..RetryPolicy::default()
        };
        let ms = Duration::from_millis;
        for (attempt, low, high) in [(1, ms(10), ms(20)), (3, ms(40), ms(80)), (4, ms(80), ms(160))] {
            let (min, max) = range(&policy, attempt);
            assert!(min >= low && max <= high, "attempt {attempt}: {min:?}..{max:?}");
        }
        for attempt in [5, 6, 30] {
            let (min, max) = range(&policy, attempt);
            assert!(
                min >= ms(100) && max <= ms(200),
                "capped at 200 ms: attempt {attempt}: {min:?}..{max:?}"
            );
            assert!(max > ms(175), "the cap itself is reached: {max:?}");
        }
        let fixed = RetryPolicy { base_backoff: ms(0), ..RetryPolicy::default() };
        assert_eq!(range(&fixed, 3), (ms(0), ms(0)), "no base, no wait");
    }

    #[test]
    fn retry_after_is_honoured_within_reason() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.throttle_wait(Some("7")), Some(Duration::from_secs(7)));
        assert_eq!(policy.throttle_wait(Some(" 0.5 ")), Some(Duration::from_millis(500)));
        assert_eq!(policy.throttle_wait(None), Some(policy.base_backoff), "no header: a short wait");
        assert_eq!(policy.throttle_wait(Some("garbage")), Some(policy.base_backoff));
        assert_eq!(policy.throttle_wait(Some("-3")), Some(policy.base_backoff));
        assert_eq!(policy.throttle_wait(Some("86400")), None, "a day is not waited out");
    }

    #[test]
    fn a_retry_after_beyond_any_duration_is_too_long_not_a_panic() {
        let policy = RetryPolicy::default();
        for hostile in ["1e300", "18446744073709551616", "1.7976931348623157e308"] {
            assert_eq!(policy.throttle_wait(Some(hostile)), None, "{hostile}");
        }
        for unreadable in ["inf", "NaN", "-inf"] {
            assert_eq!(policy.throttle_wait(Some(unreadable)), Some(policy.base_backoff), "{unreadable}");
        }
        assert_eq!(
            policy.throttle_wait(Some("300")),
            Some(Duration::from_secs(300)),
            "the cap itself is waited"
        );
    }
}
