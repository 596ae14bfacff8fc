//! A secret value (client secret, refresh token, bearer token): never printed, never serialised, wiped
//! from memory when dropped. It stays in this wrapper from the keyring (or the form) to the request that
//! sends it.

use std::fmt;

use zeroize::Zeroizing;

/// The only way to read it is [`Secret::expose`], so every use is visible in the code.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A secret arrives from a form (the window's command arguments) as a string, straight into the wrapper; it
/// is never serialised back.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

/// On the TypeScript side it is a string the UI sends (and never receives).
#[cfg(feature = "specta")]
impl specta::Type for Secret {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

/// Secret bytes (a certificate's private key, PKCS#8 DER): like [`Secret`], never printed, wiped when
/// dropped, and with no serialisation at all.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    pub fn new(value: Vec<u8>) -> Self {
        Self(Zeroizing::new(value))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_printed() {
        let secret = Secret::new("abc8Q~very-secret-value");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(<redacted>)");
        assert_eq!(secret.expose(), "abc8Q~very-secret-value");
    }

    #[test]
    fn read_from_a_form_as_a_plain_string() {
        let secret: Secret = serde_json::from_str("\"abc8Q~x\"").expect("a string");
        assert_eq!(secret.expose(), "abc8Q~x");
    }
}
