//! Xrm tooling connection strings (`AuthType=ClientSecret;Url=…;ClientId=…`), as .NET's
//! `DbConnectionStringBuilder` reads them: `key=value` pairs split by `;`, a value optionally quoted with `'`
//! or `"` (the quote doubled inside), keys without case. Only the keys D365 Desk maps are looked up.

/// The pairs of a connection string, keys lower-cased with their spaces dropped (`Service Uri` = `serviceuri`).
#[derive(Debug, Default)]
pub struct ConnectionString {
    pairs: Vec<(String, String)>,
}

impl ConnectionString {
    pub fn parse(text: &str) -> Self {
        let mut pairs = Vec::new();
        let mut rest = text;
        while !rest.trim().is_empty() {
            let Some((key, after)) = rest.split_once('=') else { break };
            let key: String = key.trim().trim_start_matches(';').trim().to_lowercase().replace(' ', "");
            let after = after.trim_start();
            let (value, next) = match after.chars().next() {
                Some(quote @ ('\'' | '"')) => quoted(&after[1..], quote),
                _ => match after.split_once(';') {
                    Some((value, next)) => (value.trim().to_owned(), next),
                    None => (after.trim().to_owned(), ""),
                },
            };
            if !key.is_empty() {
                pairs.push((key, value));
            }
            rest = next;
        }
        Self { pairs }
    }

    /// The first of these keys that is set (aliases, e.g. `url`, `serviceuri`, `server`).
    pub fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|key| {
            self.pairs.iter().find(|(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str())
        })
    }

    pub fn has(&self, keys: &[&str]) -> bool {
        self.get(keys).is_some()
    }
}

/// A quoted value up to its closing quote (a doubled quote is one quote), and what follows its `;`.
fn quoted(text: &str, quote: char) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|(_, next)| *next == quote) {
                chars.next();
                value.push(quote);
                continue;
            }
            let after = &text[at + c.len_utf8()..];
            return (value, after.split_once(';').map_or("", |(_, next)| next));
        }
        value.push(c);
    }
    (value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_read_as_dotnet_reads_them() {
        let cs = ConnectionString::parse(
            "AuthType=OAuth; Service Uri = https://x.crm.dynamics.com ;Password='a;b''c';User Name=\"me\";;",
        );
        assert_eq!(cs.get(&["authtype"]), Some("OAuth"));
        assert_eq!(cs.get(&["url", "serviceuri"]), Some("https://x.crm.dynamics.com"));
        assert_eq!(cs.get(&["password"]), Some("a;b'c"));
        assert_eq!(cs.get(&["username"]), Some("me"));
        assert!(!cs.has(&["clientsecret"]));
    }
}
