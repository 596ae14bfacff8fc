//! Names as people type them: "did you mean ...?" for a table, column or key name close to one that exists.

/// The name among `names` nearest to `wanted`, if it is near enough to be what was meant.
pub fn suggestion<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = wanted.to_lowercase();
    names
        .into_iter()
        .map(|name| (strsim::damerau_levenshtein(&wanted, &name.to_lowercase()), name))
        .filter(|(distance, name)| *distance <= (name.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::suggestion;

    #[test]
    fn suggestions_are_near_names_only() {
        let names = ["account", "contact", "name", "accountnumber", "emailaddress1"];
        assert_eq!(suggestion("acount", names), Some("account"));
        assert_eq!(suggestion("nmae", names), Some("name"));
        assert_eq!(suggestion("Contcat", names), Some("contact"));
        assert_eq!(suggestion("emailadress1", names), Some("emailaddress1"));
        assert_eq!(suggestion("invoice", names), None);
    }

    #[test]
    fn a_long_name_tolerates_a_typo_for_every_three_letters() {
        // "accountnumber" has 13 letters: up to 4 edits away is still it; a short name allows 2.
        let names = ["accountnumber", "name"];
        assert_eq!(suggestion("acntnumber", names), Some("accountnumber"), "3 letters missing");
        assert_eq!(suggestion("acntnumbr", names), Some("accountnumber"), "4 letters missing");
        assert_eq!(suggestion("acntnmbr", names), None, "5 letters missing");
        assert_eq!(suggestion("nm", names), Some("name"));
        assert_eq!(suggestion("n", names), None, "3 letters missing from a name of 4");
    }
}
