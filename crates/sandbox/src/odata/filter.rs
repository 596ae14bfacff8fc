//! The OData `$filter` language, the part Dataverse supports: comparisons (`eq ne gt ge lt le`), `and`,
//! `or`, `not`, parentheses, `contains`/`startswith`/`endswith`, and literals (strings with `''`, numbers,
//! GUIDs, dates, date-times, `true`/`false`, `null`). Parsing knows nothing of tables; `query` checks names
//! and types against the metadata.

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    /// A number with a fraction, as written.
    Decimal(String),
    String(String),
    Guid(uuid::Uuid),
    /// `2024-05-01T10:00:00Z` (normalised to UTC, seconds).
    DateTime(String),
    /// `2024-05-01`.
    Date(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    /// The operator's name in OData error messages ("operator kind 'Equal'").
    pub fn kind(self) -> &'static str {
        match self {
            Op::Eq => "Equal",
            Op::Ne => "NotEqual",
            Op::Gt => "GreaterThan",
            Op::Ge => "GreaterThanOrEqual",
            Op::Lt => "LessThan",
            Op::Le => "LessThanOrEqual",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFunction {
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare {
        property: String,
        op: Op,
        value: Literal,
    },
    Text {
        function: TextFunction,
        property: String,
        value: String,
    },
    /// A SQL `LIKE` pattern as written (`%` and `_` are wildcards): FetchXML's `like`, never made by `parse`.
    Like {
        property: String,
        pattern: String,
    },
    /// `Microsoft.Dynamics.CRM.ContainValues(PropertyName='x',PropertyValues=['1','2'])` (or
    /// `DoesNotContainValues`): a multi-select choice holding any of the values (Learn: Web API reference,
    /// ContainValues Function: PropertyValues is a `Collection(Edm.String)`).
    Values {
        property: String,
        values: Vec<String>,
        contains: bool,
    },
}

const CONTAIN_VALUES: &str = "Microsoft.Dynamics.CRM.ContainValues";
const DOES_NOT_CONTAIN_VALUES: &str = "Microsoft.Dynamics.CRM.DoesNotContainValues";

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Literal(Literal),
    Open,
    Close,
    Comma,
    /// `=` and `[`/`]`: only in a query function's named parameters and its list of values.
    Equals,
    OpenList,
    CloseList,
}

/// A syntax error, with the position (in characters) where it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Syntax error at position {}: {}", self.position, self.message)
    }
}

pub fn parse(text: &str) -> Result<Filter, SyntaxError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser { tokens, next: 0, end: text.chars().count() };
    let filter = parser.or()?;
    match parser.tokens.get(parser.next) {
        None => Ok(filter),
        Some((position, token)) => {
            Err(SyntaxError { position: *position, message: format!("unexpected {token:?}") })
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let token = match c {
            ' ' | '\t' => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Token::Open
            }
            ')' => {
                i += 1;
                Token::Close
            }
            ',' => {
                i += 1;
                Token::Comma
            }
            '=' | '[' | ']' => {
                i += 1;
                match c {
                    '=' => Token::Equals,
                    '[' => Token::OpenList,
                    _ => Token::CloseList,
                }
            }
            '\'' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(SyntaxError {
                                position: start,
                                message: "unterminated string literal".into(),
                            });
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            value.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(other) => {
                            value.push(*other);
                            i += 1;
                        }
                    }
                }
                Token::Literal(Literal::String(value))
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.' => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-' | '.' | ':' | '+'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                word_token(&word).ok_or_else(|| SyntaxError {
                    position: start,
                    message: format!("'{word}' is not a property name or a literal"),
                })?
            }
            other => {
                return Err(SyntaxError {
                    position: start,
                    message: format!("character '{other}' is not valid"),
                });
            }
        };
        tokens.push((start, token));
    }
    Ok(tokens)
}

fn word_token(word: &str) -> Option<Token> {
    let literal = match word {
        "null" => Some(Literal::Null),
        "true" => Some(Literal::Bool(true)),
        "false" => Some(Literal::Bool(false)),
        _ => None,
    };
    if let Some(literal) = literal {
        return Some(Token::Literal(literal));
    }
    if let Some(guid) = uuid::Uuid::try_parse(word).ok().filter(|_| word.len() == 36) {
        return Some(Token::Literal(Literal::Guid(guid)));
    }
    if let Some(date) = parse_date(word) {
        return Some(Token::Literal(Literal::Date(date)));
    }
    if let Some(date_time) = parse_date_time(word) {
        return Some(Token::Literal(Literal::DateTime(date_time)));
    }
    if let Ok(int) = word.parse::<i64>() {
        return Some(Token::Literal(Literal::Int(int)));
    }
    if word.contains('.') && word.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-') {
        // Kept as written: `12345678.1234567891` must not become the nearest double.
        let number = word.trim_end_matches(['m', 'M']);
        return crate::data::decimal::parse(number)
            .map(|_| Token::Literal(Literal::Decimal(number.to_owned())));
    }
    if word == CONTAIN_VALUES || word == DOES_NOT_CONTAIN_VALUES {
        return Some(Token::Name(word.to_owned()));
    }
    let is_name = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then(|| Token::Name(word.to_owned()))
}

pub fn parse_date(word: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(word, &format).ok().map(|_| word.to_owned())
}

pub fn parse_date_time(word: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    // OData allows omitting the seconds (`2024-05-01T10:00Z`).
    let with_seconds = match word.find('T') {
        Some(t) if word[t..].matches(':').count() == 1 || (word.ends_with('Z') && word[t..].len() == 7) => {
            let offset_at = word[t..]
                .find(['Z', '+'])
                .map(|o| t + o)
                .or_else(|| word[t + 1..].rfind('-').map(|o| t + 1 + o));
            offset_at.map(|at| format!("{}:00{}", &word[..at], &word[at..]))?
        }
        _ => word.to_owned(),
    };
    let parsed = time::OffsetDateTime::parse(&with_seconds, &Rfc3339).ok()?;
    let utc = parsed.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).ok()?;
    utc.format(&Rfc3339).ok()
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    next: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next).map(|(_, t)| t)
    }
    fn position(&self) -> usize {
        self.tokens.get(self.next).map_or(self.end, |(p, _)| *p)
    }
    fn error<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError { position: self.position(), message: message.into() })
    }
    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).map(|(_, t)| t.clone());
        self.next += 1;
        token
    }
    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Name(n)) if n == word) {
            self.next += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, expected: Token, what: &str) -> Result<(), SyntaxError> {
        if self.peek() == Some(&expected) {
            self.next += 1;
            Ok(())
        } else {
            self.error(format!("expected {what}"))
        }
    }

    fn or(&mut self) -> Result<Filter, SyntaxError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, SyntaxError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, SyntaxError> {
        if self.keyword("not") {
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.take() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close, "')'")?;
                Ok(inner)
            }
            Some(Token::Name(name)) => {
                let function = match name.as_str() {
                    "contains" => Some(TextFunction::Contains),
                    "startswith" => Some(TextFunction::StartsWith),
                    "endswith" => Some(TextFunction::EndsWith),
                    _ => None,
                };
                match function {
                    Some(function) if self.peek() == Some(&Token::Open) => self.text_function(function),
                    _ if name == CONTAIN_VALUES || name == DOES_NOT_CONTAIN_VALUES => {
                        self.values_function(name == CONTAIN_VALUES)
                    }
                    _ => self.comparison(name),
                }
            }
            _ => {
                self.next -= 1;
                self.error("expected a property name, a function, 'not' or '('")
            }
        }
    }

    fn text_function(&mut self, function: TextFunction) -> Result<Filter, SyntaxError> {
        self.expect(Token::Open, "'('")?;
        let Some(Token::Name(property)) = self.take() else {
            self.next -= 1;
            return self.error("expected a property name");
        };
        self.expect(Token::Comma, "','")?;
        let Some(Token::Literal(Literal::String(value))) = self.take() else {
            self.next -= 1;
            return self.error("expected a string literal");
        };
        self.expect(Token::Close, "')'")?;
        Ok(Filter::Text { function, property, value })
    }

    /// `(PropertyName='x',PropertyValues=['1','2'])`.
    fn values_function(&mut self, contains: bool) -> Result<Filter, SyntaxError> {
        self.expect(Token::Open, "'('")?;
        self.parameter("PropertyName")?;
        let Some(Token::Literal(Literal::String(property))) = self.take() else {
            self.next -= 1;
            return self.error("expected the property's name as a string literal");
        };
        self.expect(Token::Comma, "','")?;
        self.parameter("PropertyValues")?;
        self.expect(Token::OpenList, "'['")?;
        let mut values = Vec::new();
        loop {
            match self.take() {
                Some(Token::Literal(Literal::String(value))) => values.push(value),
                Some(Token::CloseList) if values.is_empty() => break,
                _ => {
                    self.next -= 1;
                    return self.error("expected the values as string literals");
                }
            }
            match self.take() {
                Some(Token::Comma) => {}
                Some(Token::CloseList) => break,
                _ => {
                    self.next -= 1;
                    return self.error("expected ',' or ']'");
                }
            }
        }
        self.expect(Token::Close, "')'")?;
        Ok(Filter::Values { property, values, contains })
    }

    fn parameter(&mut self, name: &str) -> Result<(), SyntaxError> {
        match self.take() {
            Some(Token::Name(found)) if found == name => self.expect(Token::Equals, "'='"),
            _ => {
                self.next -= 1;
                self.error(format!("expected {name}="))
            }
        }
    }

    fn comparison(&mut self, property: String) -> Result<Filter, SyntaxError> {
        let op = match self.take() {
            Some(Token::Name(op)) => match op.as_str() {
                "eq" => Op::Eq,
                "ne" => Op::Ne,
                "gt" => Op::Gt,
                "ge" => Op::Ge,
                "lt" => Op::Lt,
                "le" => Op::Le,
                _ => {
                    self.next -= 1;
                    return self.error(format!("'{op}' is not a comparison operator"));
                }
            },
            _ => {
                self.next -= 1;
                return self.error(format!("expected an operator after '{property}'"));
            }
        };
        match self.take() {
            Some(Token::Literal(value)) => Ok(Filter::Compare { property, op, value }),
            _ => {
                self.next -= 1;
                self.error("expected a literal value")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(property: &str, op: Op, value: Literal) -> Filter {
        Filter::Compare { property: property.into(), op, value }
    }

    #[test]
    fn contain_values_takes_its_named_parameters_and_a_list_of_strings() {
        assert_eq!(
            parse("Microsoft.Dynamics.CRM.ContainValues(PropertyName='x',PropertyValues=['1', '9'])")
                .unwrap(),
            Filter::Values { property: "x".into(), values: vec!["1".into(), "9".into()], contains: true }
        );
        let negated =
            parse("Microsoft.Dynamics.CRM.DoesNotContainValues(PropertyName='x',PropertyValues=[])");
        assert_eq!(
            negated.unwrap(),
            Filter::Values { property: "x".into(), values: vec![], contains: false }
        );
        for broken in [
            "Microsoft.Dynamics.CRM.ContainValues(x,['1'])",
            "Microsoft.Dynamics.CRM.ContainValues(PropertyName='x',PropertyValues=[1])",
            "Microsoft.Dynamics.CRM.ContainValues(PropertyName='x',PropertyValues=['1'",
            "Microsoft.Dynamics.CRM.Other(PropertyName='x')",
        ] {
            assert!(parse(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn precedence_and_parentheses() {
        let parsed = parse("a eq 1 or b eq 2 and not (c eq null)").unwrap();
        let expected = Filter::Or(
            Box::new(cmp("a", Op::Eq, Literal::Int(1))),
            Box::new(Filter::And(
                Box::new(cmp("b", Op::Eq, Literal::Int(2))),
                Box::new(Filter::Not(Box::new(cmp("c", Op::Eq, Literal::Null)))),
            )),
        );
        assert_eq!(parsed, expected);
    }

    #[test]
    fn literals() {
        let guid = "5a5a0000-0000-4000-8000-0d365de5a100";
        let parsed = parse(&format!("x eq {guid}")).unwrap();
        assert_eq!(parsed, cmp("x", Op::Eq, Literal::Guid(guid.parse().unwrap())));
        assert_eq!(parse("x eq 'O''Brien'").unwrap(), cmp("x", Op::Eq, Literal::String("O'Brien".into())));
        assert_eq!(parse("x ge -12.5").unwrap(), cmp("x", Op::Ge, Literal::Decimal("-12.5".into())));
        assert_eq!(parse("x lt 2024-05-01").unwrap(), cmp("x", Op::Lt, Literal::Date("2024-05-01".into())));
        assert_eq!(
            parse("x gt 2024-05-01T12:00:00+02:00").unwrap(),
            cmp("x", Op::Gt, Literal::DateTime("2024-05-01T10:00:00Z".into()))
        );
        assert_eq!(
            parse("x gt 2024-05-01T10:00Z").unwrap(),
            cmp("x", Op::Gt, Literal::DateTime("2024-05-01T10:00:00Z".into()))
        );
        assert_eq!(parse("x eq true").unwrap(), cmp("x", Op::Eq, Literal::Bool(true)));
    }

    #[test]
    fn text_functions() {
        let text =
            |function, value: &str| Filter::Text { function, property: "name".into(), value: value.into() };
        assert_eq!(
            parse("contains(name,'ab') and startswith(name, 'x')").unwrap(),
            Filter::And(
                Box::new(text(TextFunction::Contains, "ab")),
                Box::new(text(TextFunction::StartsWith, "x"))
            )
        );
        assert_eq!(
            parse("endswith(emailaddress1,'.com')").unwrap(),
            Filter::Text {
                function: TextFunction::EndsWith,
                property: "emailaddress1".into(),
                value: ".com".into()
            }
        );
    }

    #[test]
    fn errors_say_where() {
        for (bad, position) in
            [("name eq", 7), ("name * 1", 5), ("(a eq 1", 7), ("a eq 'x", 5), ("eq 1", 3), ("a foo 1", 2)]
        {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.position, position, "{bad}: {err}");
        }
        assert!(parse("").is_err());
        assert!(parse("a eq 1 b").is_err());
    }

    #[test]
    fn odd_input_is_refused_with_a_position_inside_it() {
        for odd in [
            "'",
            "((((",
            "))",
            ",",
            "not",
            "contains(",
            "contains(a,",
            "a eq 'é''",
            "Ω eq 1",
            "a eq 1e99999",
            "-",
        ] {
            let err = parse(odd).expect_err(odd);
            assert!(err.position <= odd.chars().count(), "{odd}: {err}");
            assert!(!err.message.is_empty(), "{odd}");
        }
    }
}
