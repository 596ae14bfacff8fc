//! The Web API client every data call goes through: the session's token (one refresh-and-retry on a 401),
//! the retry policy (429 waits `Retry-After`, 5xx and broken connections back off, only where a repeat is
//! safe), parallelism bounded by the environment's `x-ms-dop-hint`, and read-only connections refusing every
//! write here, in the core, whatever the caller.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::sync::Semaphore;

use crate::api::diagnose;
use crate::data::multipart::{self, PartRequest, ResponseItem};
use crate::error::{DataverseError, Result};
use crate::input::Instance;
use crate::retry::{ClientEvent, Repeatable, RetryPolicy, RetryReason};
use crate::session::{Session, sign_in_again};

/// The longest URL Dataverse takes, and the longest a GET may have inside a `$batch` (Microsoft's "Compose
/// HTTP requests": 32 KB, and the `$batch` workaround for longer ones).
pub const MAX_URL: usize = 32 * 1024;
pub const MAX_BATCH_URL: usize = 64 * 1024;

/// Receives the client's events (retries and their waits), e.g. to show "throttled, retrying in 12 s".
pub type EventSink = Arc<dyn Fn(&ClientEvent) + Send + Sync>;

#[derive(Clone, Default)]
pub struct ClientOptions {
    /// Refuse every write (`api.read_only`).
    pub read_only: bool,
    pub policy: RetryPolicy,
    pub events: Option<EventSink>,
}

/// One Web API request: a path under the Web API base (or an absolute URL the server gave, e.g. a nextLink).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub target: String,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Option<Body>,
    pub repeatable: Repeatable,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    /// Anything else, with its content type (a `$batch`'s multipart body).
    Raw {
        content_type: String,
        bytes: Vec<u8>,
    },
}

impl Request {
    fn new(method: Method, target: impl Into<String>, repeatable: Repeatable) -> Self {
        Self { method, target: target.into(), headers: Vec::new(), body: None, repeatable }
    }

    pub fn get(target: impl Into<String>) -> Self {
        Self::new(Method::GET, target, Repeatable::Yes)
    }

    /// A POST is not repeatable unless the caller says so (an upsert by key is).
    pub fn post(target: impl Into<String>, body: Value) -> Self {
        Self::new(Method::POST, target, Repeatable::No).json(body)
    }

    /// A PATCH is repeatable when it is conditional (If-Match) or addressed by key: the caller says so.
    pub fn patch(target: impl Into<String>, body: Value, repeatable: Repeatable) -> Self {
        Self::new(Method::PATCH, target, repeatable).json(body)
    }

    pub fn put(target: impl Into<String>, body: Value) -> Self {
        Self::new(Method::PUT, target, Repeatable::Yes).json(body)
    }

    pub fn delete(target: impl Into<String>) -> Self {
        Self::new(Method::DELETE, target, Repeatable::Yes)
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    pub fn raw(mut self, content_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        self.body = Some(Body::Raw { content_type: content_type.into(), bytes });
        self
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn repeatable(mut self, repeatable: Repeatable) -> Self {
        self.repeatable = repeatable;
        self
    }

    fn is_write(&self) -> bool {
        !matches!(self.method, Method::GET | Method::HEAD)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (`null` for an empty body, as after a 204).
    pub fn json(&self) -> Result<Value> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| malformed(&e.to_string()))
    }
}

fn malformed(detail: &str) -> DataverseError {
    DataverseError::new(
        "api.malformed_response",
        format!("The environment's answer could not be read ({detail})."),
        Some(
            "Try again. If this was a change, reload the record first: it may have been applied.".to_owned(),
        ),
    )
}

pub struct Client {
    session: Arc<Session>,
    options: ClientOptions,
    /// Requests in flight at most: the environment's `x-ms-dop-hint`, learnt from its answers.
    permits: Semaphore,
    dop: AtomicUsize,
}

/// What one try came to.
enum Outcome {
    Done(Response),
    /// Worth another try: after the server's wait, or else the policy's backoff; `error` if none is left.
    Retry {
        reason: RetryReason,
        wait: Option<std::time::Duration>,
        error: DataverseError,
    },
    Failed(DataverseError),
}

impl Client {
    pub fn new(session: Arc<Session>, options: ClientOptions) -> Self {
        // One at a time until the environment says how many it welcomes.
        Self { session, options, permits: Semaphore::new(1), dop: AtomicUsize::new(1) }
    }

    pub fn instance(&self) -> &Instance {
        self.session.instance()
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Sends the request with retries; a success (2xx, 304) or the diagnosis of why not.
    pub async fn send(&self, request: &Request) -> Result<Response> {
        self.execute(request, true).await
    }

    /// Like [`send`](Self::send), but an error answer (4xx, 5xx) is returned as it came, for callers that
    /// read it themselves (a `$batch` answers 400 with a multipart body). Sign-in refusals and retries are
    /// handled as for `send`.
    pub async fn send_for_any_status(&self, request: &Request) -> Result<Response> {
        self.execute(request, false).await
    }

    /// The request exactly as [`send`](Self::send) would put it on the wire (method, URL, headers, body),
    /// from the same code, with the token shown as `Bearer (hidden)`: for a preview, never for sending.
    pub fn wire(&self, request: &Request) -> Result<WireRequest> {
        // A preview of what would be refused is the refusal, as sending it would be.
        self.allowed(request)?;
        let url = self.url_of(&request.target)?;
        let (headers, body) = wire_parts(request, &own_headers(request)?, HeaderValue::from_static(HIDDEN));
        let body = body.unwrap_or_default();
        let mut shown: Vec<WireHeader> = headers
            .iter()
            .map(|(name, value)| WireHeader {
                name: display_name(name.as_str()),
                value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
            })
            .collect();
        // What reqwest adds itself for a body it knows the length of.
        if request.body.is_some() {
            shown.push(WireHeader { name: "Content-Length".into(), value: body.len().to_string() });
        }
        Ok(WireRequest {
            method: request.method.to_string(),
            url,
            headers: shown,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    async fn execute(&self, request: &Request, diagnose_errors: bool) -> Result<Response> {
        self.allowed(request)?;
        self.execute_allowed(request, diagnose_errors).await
    }

    /// A read-only connection refuses every write, here in the core whatever the caller.
    fn allowed(&self, request: &Request) -> Result<()> {
        if self.options.read_only && request.is_write() {
            return Err(DataverseError::new(
                "api.read_only",
                format!("This connection is read-only: the {} was not sent.", request.method),
                Some("Make the connection writable first (it is a setting of the connection), if you mean to change this environment.".to_owned()),
            ));
        }
        Ok(())
    }

    /// [`Self::execute`] past the read-only check: also for the `$batch` that carries a long GET, which
    /// reads however it is sent.
    async fn execute_allowed(&self, request: &Request, diagnose_errors: bool) -> Result<Response> {
        let headers = own_headers(request)?;
        let url = self.url_of(&request.target)?;
        if url.len() > MAX_URL {
            return self.long_get(request, &url, diagnose_errors).await;
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| DataverseError::new("api.closed", "The client was closed.", None))?;
        let mut refreshed = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let token = self.session.token().await?;
            let outcome = self.try_once(request, &url, &headers, &token).await;
            let (reason, wait) = match outcome {
                Outcome::Done(response)
                    if response.status == StatusCode::UNAUTHORIZED
                        && !refreshed
                        && !self.session.is_fixed() =>
                {
                    refreshed = true;
                    self.session.invalidate(&token).await;
                    continue;
                }
                Outcome::Done(response)
                    if response.status.is_success()
                        || response.status == StatusCode::NOT_MODIFIED
                        || (!diagnose_errors && response.status != StatusCode::UNAUTHORIZED) =>
                {
                    return Ok(response);
                }
                Outcome::Done(response) => {
                    let body: Option<Value> = serde_json::from_slice(&response.body).ok();
                    let error = diagnose(
                        &self.instance().web_api(),
                        Some(&token),
                        response.status,
                        &response.headers,
                        body.as_ref(),
                    );
                    // A refused pasted token needs a new paste, not a sign-in: keep its own diagnosis.
                    let refused = error.kind == "api.unauthorized" && !self.session.is_fixed();
                    return Err(if refused { sign_in_again(error) } else { error });
                }
                Outcome::Retry { reason, wait, error } => {
                    if attempt >= self.options.policy.max_attempts {
                        return Err(gave_up(&reason, attempt, error));
                    }
                    (reason, wait.unwrap_or_else(|| self.options.policy.backoff(attempt)))
                }
                Outcome::Failed(error) => return Err(error),
            };
            if let Some(events) = &self.options.events {
                events(&ClientEvent::Retrying {
                    reason: reason.clone(),
                    attempt,
                    wait_ms: wait.as_millis() as u64,
                });
            }
            tracing::debug!(?reason, attempt, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// A GET whose URL is longer than Dataverse takes (a filter naming thousands of ids), sent the way
    /// Microsoft documents for it: as the one request of a `$batch`, where URLs may be twice as long.
    async fn long_get(&self, request: &Request, url: &str, diagnose_errors: bool) -> Result<Response> {
        if request.method != Method::GET || url.len() > MAX_BATCH_URL {
            return Err(DataverseError::new(
                "input.request_too_long",
                format!(
                    "The request is {} characters long: Dataverse takes URLs of at most {MAX_URL} characters ({MAX_BATCH_URL} for a GET inside a $batch). It was not sent.",
                    url.len()
                ),
                Some("Narrow the query: fewer values in a filter, or several smaller queries.".to_owned()),
            ));
        }
        // Inside the batch the URL is a line of its own: a line break or a space there would end it.
        if url.contains(['\r', '\n', ' ']) {
            return Err(DataverseError::new(
                "input.invalid_header",
                "The request's path holds a space or a line break; it was not sent.",
                Some("Percent-encode the path (a space is %20).".to_owned()),
            ));
        }
        let headers = request.headers.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        let part = PartRequest { method: "GET".into(), url: url.to_owned(), headers, body: None };
        let (content_type, body) = multipart::write(&[part], false, &format!("{:032x}", fastrand::u128(..)));
        let batch = Request::post("$batch", Value::Null)
            .raw(content_type, body.into_bytes())
            .repeatable(Repeatable::Yes);
        // A `$batch` whose one request failed may answer 400 itself: the part says what happened. An answer
        // that is no multipart at all (a 403, a 500 of the whole batch) is diagnosed as it is.
        let answer = Box::pin(self.execute_allowed(&batch, false)).await?;
        let content_type = answer.header("content-type").unwrap_or_default().to_owned();
        if !content_type.to_ascii_lowercase().starts_with("multipart/") {
            if answer.status.is_success() {
                return Err(malformed("the $batch answer is not multipart"));
            }
            let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
            return Err(diagnose(
                &self.instance().web_api(),
                None,
                answer.status,
                &answer.headers,
                body.as_ref(),
            ));
        }
        let items = multipart::read(&content_type, &String::from_utf8_lossy(&answer.body))
            .map_err(|e| malformed(&e))?;
        let Some(ResponseItem::Response(part)) = items.into_iter().next() else {
            return Err(malformed("the $batch answer held no response"));
        };
        let mut headers = HeaderMap::new();
        for (name, value) in &part.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value))
            {
                headers.append(name, value);
            }
        }
        let status =
            StatusCode::from_u16(part.status).map_err(|_| malformed("a part's status is not one"))?;
        let response = Response { status, headers, body: part.body.into_bytes() };
        if !diagnose_errors || response.status.is_success() || response.status == StatusCode::NOT_MODIFIED {
            return Ok(response);
        }
        let body: Option<Value> = serde_json::from_slice(&response.body).ok();
        Err(diagnose(&self.instance().web_api(), None, response.status, &response.headers, body.as_ref()))
    }

    /// Where a request goes: a path under the Web API, or an absolute URL (a server's nextLink, a delta link
    /// kept beside an export), which must be on the environment's own origin, since the token goes with it.
    fn url_of(&self, target: &str) -> Result<String> {
        let base = self.instance().web_api();
        // Absolute only if it parses as a URL on its own: a path may hold `://` in a filter's value.
        let Ok(absolute) = url::Url::parse(target) else {
            return Ok(format!("{base}{target}"));
        };
        match url::Url::parse(&base) {
            Ok(ours) if ours.origin() == absolute.origin() => Ok(target.to_owned()),
            _ => Err(DataverseError::new(
                "api.other_origin",
                format!(
                    "A request to {} was not sent: it is not on this environment ({}), and the connection's token goes only there.",
                    crate::input::excerpt(target),
                    self.instance().resource()
                ),
                Some("If a server's link pointed there, the server is not behaving as Dataverse does; if you typed or edited it, use a path under the Web API.".to_owned()),
            )),
        }
    }

    async fn try_once(
        &self,
        request: &Request,
        url: &str,
        headers: &HeaderMap,
        token: &crate::auth::AccessToken,
    ) -> Outcome {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.secret()))
            .map_err(|_| malformed("the access token is not a valid header value"));
        if let Ok(value) = &mut authorization {
            value.set_sensitive(true);
        }
        let authorization = match authorization {
            Ok(value) => value,
            Err(error) => return Outcome::Failed(error),
        };
        let (wire, body) = wire_parts(request, headers, authorization);
        let mut builder = self.session.http().request(request.method.clone(), url).headers(wire);
        if let Some(body) = body {
            builder = builder.body(body);
        }
        let repeatable = request.repeatable == Repeatable::Yes;
        let response = match builder.send().await {
            Ok(response) => response,
            // A connection that was never made carried nothing: safe to retry even a POST.
            Err(err) if err.is_connect() || repeatable => {
                tracing::debug!(%url, error = %err, "transport failure");
                let error = DataverseError::from_transport(&err, url);
                return Outcome::Retry { reason: RetryReason::Network, wait: None, error };
            }
            Err(err) => return Outcome::Failed(unsure(DataverseError::from_transport(&err, url))),
        };
        let (status, headers) = (response.status(), response.headers().clone());
        tracing::debug!(method = %request.method, %url, %status, "web api");
        self.learn_dop(&headers);
        let body = match response.bytes().await {
            Ok(bytes) => bytes.to_vec(),
            Err(_) if repeatable => {
                return Outcome::Retry {
                    reason: RetryReason::Network,
                    wait: None,
                    error: malformed("cut off"),
                };
            }
            Err(_) => return Outcome::Failed(unsure(malformed("cut off"))),
        };
        match status.as_u16() {
            429 => {
                let retry_after = headers.get("retry-after").and_then(|v| v.to_str().ok());
                match self.options.policy.throttle_wait(retry_after) {
                    Some(wait) => {
                        let error = diagnose(
                            &self.instance().web_api(),
                            Some(token),
                            status,
                            &headers,
                            serde_json::from_slice(&body).ok().as_ref(),
                        );
                        Outcome::Retry { reason: RetryReason::Throttled, wait: Some(wait), error }
                    }
                    None => Outcome::Done(Response { status, headers, body }),
                }
            }
            502..=504 if repeatable => Outcome::Retry {
                reason: RetryReason::Unavailable { status: status.as_u16() },
                wait: None,
                error: DataverseError::new(
                    "api.unavailable",
                    format!("The environment answered HTTP {status}."),
                    None,
                ),
            },
            200..=299
                if !body.is_empty()
                    && serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err()
                    && is_json(&headers) =>
            {
                if repeatable {
                    Outcome::Retry {
                        reason: RetryReason::Network,
                        wait: None,
                        error: malformed("not valid JSON"),
                    }
                } else {
                    Outcome::Failed(unsure(malformed("not valid JSON")))
                }
            }
            _ => Outcome::Done(Response { status, headers, body }),
        }
    }

    /// Follows the environment's `x-ms-dop-hint` (bounded to 1..=64). Lowering it takes effect as permits
    /// come back.
    fn learn_dop(&self, headers: &HeaderMap) {
        let Some(hint) =
            headers.get("x-ms-dop-hint").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok())
        else {
            return;
        };
        let hint = hint.clamp(1, 64);
        let old = self.dop.swap(hint, Ordering::Relaxed);
        if hint > old {
            self.permits.add_permits(hint - old);
        } else if hint < old {
            self.permits.forget_permits(old - hint);
        }
    }
}

/// Sent by every request of this crate, here rather than as the HTTP client's default so that a preview
/// shows it too.
pub const USER_AGENT: &str = concat!("D365Desk/", env!("CARGO_PKG_VERSION"));

/// What a preview shows in place of the token.
pub const HIDDEN: &str = "Bearer (hidden)";

/// One header of a [`WireRequest`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WireHeader {
    pub name: String,
    pub value: String,
}

/// A request as it goes on the wire (the token hidden).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WireRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<WireHeader>,
    pub body: String,
}

/// The request's own headers, checked: a value that cannot be a header (a stray newline in an ETag) fails
/// here, since dropping it could turn a conditional update into an unconditional one.
fn own_headers(request: &Request) -> Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        let value = HeaderValue::from_str(value).map_err(|_| {
            DataverseError::new(
                "input.invalid_header",
                format!("'{value}' is not a valid {name} header value."),
                None,
            )
        })?;
        headers.append(name.clone(), value);
    }
    Ok(headers)
}

/// Every header a request is sent with, in order, and its body: the one place both sending and the preview
/// take them from. The request's own headers replace the standard ones of the same name.
fn wire_parts(
    request: &Request,
    own: &HeaderMap,
    authorization: HeaderValue,
) -> (HeaderMap, Option<Vec<u8>>) {
    let mut headers = HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, authorization);
    headers.insert(reqwest::header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
    headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(HeaderName::from_static("odata-maxversion"), HeaderValue::from_static("4.0"));
    headers.insert(HeaderName::from_static("odata-version"), HeaderValue::from_static("4.0"));
    for name in own.keys() {
        headers.remove(name);
    }
    for (name, value) in own {
        headers.append(name.clone(), value.clone());
    }
    let (content_type, body) = match &request.body {
        Some(Body::Json(body)) => ("application/json".to_owned(), body.to_string().into_bytes()),
        Some(Body::Raw { content_type, bytes }) => (content_type.clone(), bytes.clone()),
        None => return (headers, None),
    };
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        headers.insert(reqwest::header::CONTENT_TYPE, value);
    }
    (headers, Some(body))
}

/// `odata-maxversion` as Microsoft writes it (`OData-MaxVersion`): HTTP names are case-insensitive, and
/// the preview reads better in the usual spelling.
fn display_name(name: &str) -> String {
    match name {
        "odata-maxversion" => "OData-MaxVersion".into(),
        "odata-version" => "OData-Version".into(),
        "if-match" => "If-Match".into(),
        "if-none-match" => "If-None-Match".into(),
        _ => name.split('-').map(capitalised).collect::<Vec<_>>().join("-"),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

fn is_json(headers: &HeaderMap) -> bool {
    headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"))
}

/// A write whose answer was lost: it may have been applied.
fn unsure(error: DataverseError) -> DataverseError {
    DataverseError::new(
        error.kind,
        format!("{} The change may or may not have been applied.", error.message),
        Some("Reload the record to see whether the change was made before trying again.".to_owned()),
    )
}

/// The last failure, once the tries are used up.
fn gave_up(reason: &RetryReason, attempts: u32, last: DataverseError) -> DataverseError {
    let hint = match reason {
        RetryReason::Throttled => {
            "Wait a few minutes, or lower the parallelism of what runs against this environment."
        }
        RetryReason::Unavailable { .. } => {
            "The environment may be in maintenance or overloaded; try again later."
        }
        RetryReason::Network => {
            last.hint.as_deref().unwrap_or("Check your network connection, proxy or VPN.")
        }
    };
    let kind = if *reason == RetryReason::Throttled { "api.throttled" } else { last.kind };
    DataverseError::new(
        kind,
        format!("{} (gave up after {attempts} tries)", last.message),
        Some(hint.to_owned()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Grant;

    fn client(read_only: bool) -> Client {
        let instance =
            crate::input::instance("https://contoso.crm.dynamics.com", crate::Cloud::Public, false)
                .expect("a valid instance");
        let token = crate::auth::AccessToken::new(
            "x.y.z".into(),
            time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        );
        let http = crate::auth::http_client().expect("an HTTP client");
        let session = Session::new(http, instance, Grant::Fixed(token));
        Client::new(Arc::new(session), ClientOptions { read_only, ..Default::default() })
    }

    // Nothing in the crate closes the permits today; a client whose permits are closed (the state a shutdown
    // would leave) refuses at once, before any request, instead of waiting forever. The sandbox cannot put a
    // client in that state, so this is a unit test.
    #[tokio::test]
    async fn a_closed_client_refuses_requests() {
        let client = client(false);
        client.permits.close();
        let err = client.send(&Request::get("WhoAmI")).await.unwrap_err();
        assert_eq!(err.kind, "api.closed");
        assert_eq!(err.message, "The client was closed.");
    }

    #[tokio::test]
    async fn read_only_is_checked_before_the_permits() {
        let client = client(true);
        client.permits.close();
        let err = client.send(&Request::delete("accounts(1)")).await.unwrap_err();
        assert_eq!(err.kind, "api.read_only", "refused in the core, whatever else");
    }

    #[test]
    fn the_wire_preview_hides_the_token_and_refuses_what_sending_would() {
        let request = Request::patch("accounts(1)", serde_json::json!({ "name": "A" }), Repeatable::Yes)
            .header(reqwest::header::IF_MATCH, "W/\"1\"");
        let wire = client(false).wire(&request).unwrap();
        assert_eq!(
            (wire.method.as_str(), wire.url.as_str()),
            ("PATCH", "https://contoso.crm.dynamics.com/api/data/v9.2/accounts(1)")
        );
        let names: Vec<(&str, &str)> =
            wire.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        assert_eq!(
            names,
            [
                ("Authorization", HIDDEN),
                ("User-Agent", USER_AGENT),
                ("Accept", "application/json"),
                ("OData-MaxVersion", "4.0"),
                ("OData-Version", "4.0"),
                ("If-Match", "W/\"1\""),
                ("Content-Type", "application/json"),
                ("Content-Length", "12"),
            ]
        );
        assert_eq!(wire.body, r#"{"name":"A"}"#);
        assert!(!format!("{wire:?}").contains("x.y.z"), "never the token");
        assert_eq!(client(true).wire(&request).unwrap_err().kind, "api.read_only");
        let broken =
            Request::delete("accounts(1)").header(reqwest::header::IF_MATCH, "W/\"1\"\r\nIf-Match: *");
        assert_eq!(client(false).wire(&broken).unwrap_err().kind, "input.invalid_header");
    }
}
