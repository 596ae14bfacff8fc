//! A few lines of HTTP server on 127.0.0.1 for answers the sandbox never gives (it behaves): every request
//! is answered by a closure from its request line, and what was sent is recorded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use d365_dataverse::Cloud;
use d365_dataverse::auth::{self, AccessToken};
use d365_dataverse::client::{Client, ClientOptions};
use d365_dataverse::input;
use d365_dataverse::session::{Grant, Session};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Sent {
    /// `GET /api/data/v9.2/accounts HTTP/1.1`
    pub line: String,
    pub authorization: Option<String>,
}

/// An answer: status, extra headers, body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(body: impl Into<String>) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: String::new() }
    }
}

#[derive(Clone, Default)]
pub struct Seen(Arc<Mutex<Vec<Sent>>>);

impl Seen {
    pub fn requests(&self) -> Vec<Sent> {
        self.0.lock().unwrap().clone()
    }
}

/// A server answering each request with `answer(its own base URL, the request line)`.
pub fn server(answer: impl Fn(&str, &str) -> Answer + Send + 'static) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let (record, own) = (seen.clone(), base.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            // A client that went away mid-request is the client's business: serve the next one.
            let Ok(stream) = stream else { continue };
            let _ = serve(stream, &own, &answer, &record);
        }
    });
    (base, seen)
}

fn serve(
    mut stream: std::net::TcpStream,
    own: &str,
    answer: &impl Fn(&str, &str) -> Answer,
    record: &Seen,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let (mut authorization, mut length) = (None, 0);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        if header.trim().is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("authorization: ") {
            authorization = Some(header[header.len() - value.len()..].trim().to_owned());
        }
        if let Some(value) = lower.strip_prefix("content-length: ") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    record.0.lock().unwrap().push(Sent { line: line.trim().to_owned(), authorization });
    let answer = answer(own, line.trim());
    let mut head = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        answer.status,
        answer.body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(answer.body.as_bytes())
}

/// A client for the server at `base`, with a pasted token (`the-token`).
pub fn client_for(base: &str) -> Arc<Client> {
    client_with(base, ClientOptions::default())
}

pub fn client_with(base: &str, options: ClientOptions) -> Arc<Client> {
    let instance = input::instance(base, Cloud::Public, false).unwrap();
    let token =
        AccessToken::new("the-token".into(), time::OffsetDateTime::now_utc() + time::Duration::hours(1));
    let session = Session::new(auth::http_client().unwrap(), instance, Grant::Fixed(token));
    Arc::new(Client::new(Arc::new(session), options))
}
