//! The sandbox's own failures (starting, binding, keys). Protocol errors that clients must see are not
//! these: they are Entra- or Dataverse-shaped responses built in `identity::errors` and `org::errors`.

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("could not listen on {address}: {source}")]
    Bind { address: String, source: std::io::Error },
    #[error("the listener is not on a loopback address ({0}); the sandbox only serves this machine")]
    NotLoopback(std::net::SocketAddr),
    #[error("could not create the token signing key: {0}")]
    SigningKey(String),
    #[error("the sandbox's data store failed: {0}")]
    Storage(String),
    #[error("could not set up HTTPS: {0}")]
    Tls(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = SandboxError> = std::result::Result<T, E>;
