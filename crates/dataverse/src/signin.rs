//! User-level sign-in: authorization code + PKCE (S256) + `state`, in the system browser, back to a
//! loopback listener (redirect `http://localhost:<port>/`, the URI Entra's "Mobile and desktop
//! applications" platform registers with any port). The browser is opened with `webbrowser`, which honours
//! `$BROWSER`.
//!
//! The listener cannot be held or fooled: it listens on 127.0.0.1 *and* ::1 with the same port, so that
//! whichever address `localhost` resolves to first is ours and no other local process can take the callback
//! on the other (RFC 8252 §7.3; where this machine has no IPv6 loopback, nobody can listen there either). It
//! serves connections concurrently, each with a deadline for its whole request, so idle or trickling
//! connections (browsers pre-open some) delay nothing; it backs off on `accept` errors instead of spinning,
//! compares `state` in constant time, and tells the browser "you are signed in" only once the code was
//! exchanged for tokens.

use std::future::Future;
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, PkceCodeChallenge, RedirectUrl, Scope, TokenUrl,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use d365_common::Secret;

use crate::auth::AccessToken;
use crate::error::{DataverseError, Result};

/// How long the browser may take (Entra's own pages time out after about as long).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

pub struct SignIn<'a> {
    pub authority: &'a str,
    pub client_id: &'a str,
    /// The org URL; the scope `<resource>/user_impersonation offline_access` is built from it.
    pub resource: &'a str,
    pub login_hint: Option<&'a str>,
    pub timeout: Duration,
}

/// The tokens of a completed sign-in. The refresh token is for the vault (keyring); the access token stays
/// in memory.
pub struct UserTokens {
    pub access_token: AccessToken,
    pub refresh_token: Option<Secret>,
}

impl UserTokens {
    /// The tokens of an OAuth answer (authorization code or device code).
    pub(crate) fn from_response(token: &impl oauth2::TokenResponse) -> Self {
        let expires = crate::auth::expiry_in(token.expires_in().map(|lifetime| lifetime.as_secs()));
        Self {
            access_token: AccessToken::new(token.access_token().secret().clone(), expires),
            refresh_token: token.refresh_token().map(|r| Secret::new(r.secret().as_str())),
        }
    }
}

impl std::fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserTokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

fn error(kind: &'static str, message: impl Into<String>, hint: &str) -> DataverseError {
    DataverseError::new(kind, message, Some(hint.to_owned()))
}

/// Runs the sign-in: binds the listener, has `open` show the authorize URL (the system browser, normally),
/// waits for the callback (or `cancel`), and exchanges the code.
pub async fn sign_in<O, C>(
    http: &reqwest::Client,
    request: SignIn<'_>,
    open: O,
    cancel: C,
) -> Result<UserTokens>
where
    O: FnOnce(&str) -> std::io::Result<()> + Send + 'static,
    C: Future<Output = ()>,
{
    let loopback = Loopback::bind().await?;
    let port = loopback.port;
    let redirect = format!("http://localhost:{port}/");
    let token_url = format!("{}/oauth2/v2.0/token", request.authority);
    let invalid_url =
        |e: url::ParseError| error("input.invalid", format!("Authority: {e}"), "Check the authority URL.");
    let client = BasicClient::new(ClientId::new(request.client_id.to_owned()))
        .set_auth_uri(
            AuthUrl::new(format!("{}/oauth2/v2.0/authorize", request.authority)).map_err(invalid_url)?,
        )
        .set_token_uri(TokenUrl::new(token_url.clone()).map_err(invalid_url)?)
        .set_redirect_uri(RedirectUrl::new(redirect.clone()).map_err(invalid_url)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut authorize = client
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new(format!("{}/user_impersonation", request.resource)))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge);
    if let Some(hint) = request.login_hint {
        authorize = authorize.add_extra_param("login_hint", hint);
    }
    let (url, state) = authorize.url();
    // The browser is opened on a blocking thread: a $BROWSER script may only return once the sign-in is
    // done, and the listener must be accepting meanwhile.
    let url = url.to_string();
    let mut opener = tokio::task::spawn_blocking(move || open(&url));
    let mut opened = false;
    let deadline = tokio::time::sleep(request.timeout);
    // One future for the whole wait: recreating it would drop the connections it is serving.
    let accept = loopback.callback(state.secret());
    tokio::pin!(deadline, cancel, accept);
    let Callback { mut browser, result } = loop {
        tokio::select! {
            result = &mut opener, if !opened => {
                opened = true;
                let failure = match result {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => e.to_string(),
                    Err(e) => e.to_string(),
                };
                return Err(error("signin.no_browser", format!("Could not open a browser: {failure}"), "Use the device-code sign-in instead, or set $BROWSER."));
            }
            callback = &mut accept => break callback,
            () = &mut deadline => {
                return Err(error("signin.timeout", "The sign-in in the browser did not finish in time.", "Start the sign-in again."));
            }
            () = &mut cancel => return Err(error("signin.cancelled", "The sign-in was cancelled.", "Start it again when you are ready.")),
        }
    };
    let code = match result {
        Ok(code) => code,
        Err(failure) => {
            respond(
                &mut browser,
                "200 OK",
                &format!(
                    "Sign-in did not complete: {}. You can close this tab.",
                    failure.message.trim_end_matches('.')
                ),
            )
            .await;
            return Err(failure);
        }
    };
    let exchange = client.exchange_code(AuthorizationCode::new(code)).set_pkce_verifier(verifier);
    let transport = Transport(http);
    let exchanged = tokio::select! {
        exchanged = exchange.request_async(&transport) => exchanged
            .map_err(|err| oauth_error(err, &token_url, "The code could not be exchanged for tokens", "Sign in again.")),
        () = &mut cancel => Err(error("signin.cancelled", "The sign-in was cancelled.", "Start it again when you are ready.")),
    };
    // Only now does the browser hear how it went: "signed in" after tokens, not after a code.
    let page = match &exchanged {
        Ok(_) => "You are signed in to D365 Desk. You can close this tab and return to the app.".to_owned(),
        Err(failure) => {
            format!(
                "Sign-in did not complete: {}. Return to D365 Desk for what to do.",
                failure.message.trim_end_matches('.')
            )
        }
    };
    respond(&mut browser, "200 OK", &page).await;
    Ok(UserTokens::from_response(&exchanged?))
}

/// Why oauth2's HTTP call failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SendError {
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
    #[error(transparent)]
    Response(#[from] http::Error),
}

/// oauth2's HTTP transport: our reqwest client (no redirects, rustls). A boxed future rather than a closure
/// returning `send(..)`: the closure's future type is not provably `Send` for every lifetime, which a caller
/// on a multi-threaded runtime (the app's commands) needs.
pub(crate) struct Transport<'a>(pub &'a reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Transport<'_> {
    type Error = SendError;
    type Future = std::pin::Pin<
        Box<dyn Future<Output = std::result::Result<oauth2::HttpResponse, SendError>> + Send + 'c>,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(send(self.0, request))
    }
}

async fn send(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> std::result::Result<oauth2::HttpResponse, SendError> {
    let (parts, body) = request.into_parts();
    let response =
        http.request(parts.method, parts.uri.to_string()).headers(parts.headers).body(body).send().await?;
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    Ok(builder.body(response.bytes().await?.to_vec())?)
}

/// An oauth2 request's failure as a diagnosis: Entra's own refusals by their AADSTS code, anything
/// else (transport, an unparsable answer) as `auth.failed` with `what` and `hint`.
pub(crate) fn oauth_error<T>(
    err: oauth2::RequestTokenError<SendError, oauth2::StandardErrorResponse<T>>,
    url: &str,
    what: &str,
    hint: &str,
) -> DataverseError
where
    T: oauth2::ErrorResponseType + AsRef<str> + std::fmt::Display + 'static,
{
    match err {
        oauth2::RequestTokenError::ServerResponse(response) => {
            let description = response.error_description().cloned().unwrap_or_default();
            DataverseError::from_entra(aadsts_code(&description), response.error().as_ref(), &description)
        }
        other => unanswered(other, url, what, hint),
    }
}

/// An oauth2 request that got no Entra answer: the network's own diagnosis (DNS, TLS, refused, timeout)
/// when the request never got through, else what oauth2 says.
pub(crate) fn unanswered<E: oauth2::ErrorResponse + 'static>(
    err: oauth2::RequestTokenError<SendError, E>,
    url: &str,
    what: &str,
    hint: &str,
) -> DataverseError {
    match err {
        oauth2::RequestTokenError::Request(SendError::Transport(transport)) => {
            DataverseError::from_transport(&transport, url)
        }
        other => error("auth.failed", format!("{what}: {other}"), hint),
    }
}

/// `AADSTS7000215: ...` → 7000215.
pub fn aadsts_code(description: &str) -> Option<u64> {
    let digits: String =
        description.strip_prefix("AADSTS")?.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The listeners for the browser's callback: 127.0.0.1 and, where this machine has it, ::1, on one port.
struct Loopback {
    listeners: Vec<TcpListener>,
    port: u16,
}

/// The browser's callback: its connection (answered once the outcome is known) and what it carried.
struct Callback {
    browser: TcpStream,
    result: Result<String>,
}

/// How long one connection may take to send its request: a browser sends it at once.
const REQUEST_DEADLINE: Duration = Duration::from_secs(10);
/// Connections served at once; beyond, new ones are closed unanswered until some finish.
const MAX_CONNECTIONS: usize = 128;

fn listener_error(e: &std::io::Error) -> DataverseError {
    error(
        "signin.listener",
        format!("Could not listen on the loopback interface: {e}"),
        "Check that loopback networking works.",
    )
}

impl Loopback {
    async fn bind() -> Result<Self> {
        for _ in 0..16 {
            let v4 = TcpListener::bind("127.0.0.1:0").await.map_err(|e| listener_error(&e))?;
            let port = v4.local_addr().map_err(|e| listener_error(&e))?.port();
            match TcpListener::bind(("::1", port)).await {
                Ok(v6) => return Ok(Self { listeners: vec![v4, v6], port }),
                // Another process holds [::1]:port, where `localhost` may lead the browser: another port.
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
                // No IPv6 loopback here: no process can listen there either.
                Err(_) => return Ok(Self { listeners: vec![v4], port }),
            }
        }
        Err(error(
            "signin.listener",
            "No loopback port was free on both 127.0.0.1 and ::1.",
            "Close other programs that listen on many local ports, and sign in again.",
        ))
    }

    async fn accept(&self) -> std::io::Result<TcpStream> {
        let accepts = self.listeners.iter().map(|l| Box::pin(l.accept()));
        let (accepted, _, _) = futures_util::future::select_all(accepts).await;
        accepted.map(|(stream, _)| stream)
    }

    /// Serves connections, concurrently, until the one real callback arrives.
    async fn callback(&self, expected_state: &str) -> Callback {
        let mut serving = JoinSet::new();
        loop {
            tokio::select! {
                // At the limit, new connections wait in the kernel's backlog (the callback among them)
                // rather than being accepted and dropped.
                accepted = self.accept(), if serving.len() < MAX_CONNECTIONS => match accepted {
                    Ok(stream) => {
                        let state = expected_state.to_owned();
                        serving.spawn(async move {
                            tokio::time::timeout(REQUEST_DEADLINE, handle(stream, &state)).await.ok().flatten()
                        });
                    }
                    // Out of file descriptors, say: wait a moment instead of spinning on the error.
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                },
                Some(served) = serving.join_next() => {
                    if let Ok(Some(callback)) = served {
                        return callback;
                    }
                }
            }
        }
    }
}

/// `state` compared in constant time: how long the comparison takes says nothing of the expected value.
fn same_state(received: &str, expected: &str) -> bool {
    received.len() == expected.len()
        && received.bytes().zip(expected.bytes()).fold(0u8, |differ, (a, b)| differ | (a ^ b)) == 0
}

/// One connection: `None` for anything that is not the callback (favicon, an empty speculative connection,
/// a wrong `state`), answered here, so the listener keeps waiting; the callback itself is answered later.
async fn handle(mut stream: TcpStream, expected_state: &str) -> Option<Callback> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.lines().next()?.split_whitespace().nth(1)?.to_owned();
    let url = url::Url::parse(&format!("http://localhost{target}")).ok()?;
    let params: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    if url.path() != "/" || !(params.contains_key("code") || params.contains_key("error")) {
        respond(&mut stream, "404 Not Found", "Not found").await;
        return None;
    }
    if !params.get("state").is_some_and(|state| same_state(state, expected_state)) {
        respond(
            &mut stream,
            "400 Bad Request",
            "This sign-in response does not belong to the sign-in D365 Desk started. Close this tab.",
        )
        .await;
        return None;
    }
    let result = match (params.get("code"), params.get("error")) {
        (_, Some(code)) => {
            let description = params.get("error_description").cloned().unwrap_or_default();
            Err(if code == "access_denied" {
                error(
                    "signin.cancelled_in_browser",
                    "The sign-in was cancelled in the browser.",
                    "Sign in again and accept the permissions to connect.",
                )
            } else {
                DataverseError::from_entra(aadsts_code(&description), code, &description)
            })
        }
        (Some(code), None) => Ok(code.clone()),
        (None, None) => return None,
    };
    Some(Callback { browser: stream, result })
}

async fn respond(stream: &mut TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>D365 Desk</title></head>\
         <body style=\"font-family:system-ui,sans-serif;margin:15vh auto;max-width:32em\"><h1>D365 Desk</h1><p id=\"message\">{}</p></body></html>",
        message.replace('&', "&amp;").replace('<', "&lt;")
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Opens the system browser (honours `$BROWSER`).
pub fn open_system_browser(url: &str) -> std::io::Result<()> {
    webbrowser::open(url)
}
