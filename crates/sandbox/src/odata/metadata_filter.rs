//! `$filter` on metadata (`EntityDefinitions`, a table's `Attributes`, `Keys` and relationships), evaluated
//! on the definitions' JSON. Microsoft Learn, "Query table definitions using the Web API": `$filter` takes
//! properties "which use primitive or enumeration values", enum values with their type
//! (`OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`), and a complex property one level
//! deep (`CanCreateAttributes/Value eq true`, `RequiredLevel/Value eq
//! Microsoft.Dynamics.CRM.AttributeRequiredLevel'ApplicationRequired'`), but not labels. The query becomes a
//! metadata query (`MetadataConditionOperator`: Equals, NotEquals, GreaterThan, LessThan, In, NotIn), so
//! the string functions `contains`, `startswith` and `endswith` are refused (Learn, "Generate early-bound
//! classes": no API filters metadata by a prefix; PowerPlatform-DataverseModelBuilder#16).

use serde_json::Value;

use super::filter::Op;
use super::query::bad_request;
use crate::org::errors::DataverseError;
use axum::http::StatusCode;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Number(f64),
    /// A string, or an enum member written `Namespace.Type'Member'` (compared as its member name).
    String(String),
    Guid(uuid::Uuid),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare { path: Vec<String>, op: Op, value: Literal },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Literal(Literal),
    Open,
    Close,
    Comma,
}

fn syntax(text: &str, message: impl std::fmt::Display) -> DataverseError {
    bad_request(format!("Syntax error: {message} in '{text}'."))
}

fn tokenize(text: &str) -> Result<Vec<Token>, DataverseError> {
    let chars: Vec<char> = text.chars().collect();
    let (mut tokens, mut i) = (Vec::new(), 0);
    let quoted = |i: &mut usize| -> Result<String, DataverseError> {
        let mut value = String::new();
        *i += 1;
        loop {
            match chars.get(*i) {
                None => return Err(syntax(text, "an unterminated string literal")),
                Some('\'') if chars.get(*i + 1) == Some(&'\'') => {
                    value.push('\'');
                    *i += 2;
                }
                Some('\'') => {
                    *i += 1;
                    return Ok(value);
                }
                Some(c) => {
                    value.push(*c);
                    *i += 1;
                }
            }
        }
    };
    while i < chars.len() {
        match chars[i] {
            ' ' | '\t' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' => tokens.push(Token::Literal(Literal::String(quoted(&mut i)?))),
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '_' | '-' | '.' | '/' | ':' | '+'))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // `Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'`: an enum member.
                if chars.get(i) == Some(&'\'') && word.contains('.') {
                    tokens.push(Token::Literal(Literal::String(quoted(&mut i)?)));
                    continue;
                }
                tokens.push(word_token(word));
            }
            other => return Err(syntax(text, format!("the character '{other}' is not valid"))),
        }
    }
    Ok(tokens)
}

fn word_token(word: String) -> Token {
    match word.as_str() {
        "null" => return Token::Literal(Literal::Null),
        "true" => return Token::Literal(Literal::Bool(true)),
        "false" => return Token::Literal(Literal::Bool(false)),
        _ => {}
    }
    if word.len() == 36
        && let Ok(guid) = uuid::Uuid::try_parse(&word)
    {
        return Token::Literal(Literal::Guid(guid));
    }
    if word.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-')
        && let Ok(number) = word.trim_end_matches(['m', 'M', 'd', 'D', 'L']).parse::<f64>()
    {
        return Token::Literal(Literal::Number(number));
    }
    Token::Word(word)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    next: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w == word);
        if found {
            self.next += 1;
        }
        found
    }

    fn or(&mut self) -> Result<Expr, DataverseError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, DataverseError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, DataverseError> {
        if self.keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        match token {
            Some(Token::Open) => {
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(syntax(self.text, "')' expected"));
                }
                self.next += 1;
                Ok(inner)
            }
            Some(Token::Word(name)) if self.peek() == Some(&Token::Open) => Err(bad_request(format!(
                "The function '{name}' is not supported in a query of table definitions: metadata filters take \
                 eq, ne, gt, ge, lt, le, and, or and not."
            ))),
            Some(Token::Word(name)) => {
                let op = match self.tokens.get(self.next) {
                    Some(Token::Word(op)) => match op.as_str() {
                        "eq" => Op::Eq,
                        "ne" => Op::Ne,
                        "gt" => Op::Gt,
                        "ge" => Op::Ge,
                        "lt" => Op::Lt,
                        "le" => Op::Le,
                        other => {
                            return Err(bad_request(format!(
                                "The operator '{other}' is not supported in a query of table definitions: \
                                 metadata filters take eq, ne, gt, ge, lt, le, and, or and not."
                            )));
                        }
                    },
                    _ => return Err(syntax(self.text, format!("an operator expected after '{name}'"))),
                };
                self.next += 1;
                let value = match self.tokens.get(self.next) {
                    Some(Token::Literal(value)) => value.clone(),
                    _ => return Err(syntax(self.text, format!("a literal expected after '{name}'"))),
                };
                self.next += 1;
                Ok(Expr::Compare { path: name.split('/').map(str::to_owned).collect(), op, value })
            }
            _ => Err(syntax(self.text, "a property name, 'not' or '(' expected")),
        }
    }
}

pub fn parse(text: &str) -> Result<Expr, DataverseError> {
    let mut parser = Parser { text, tokens: tokenize(text)?, next: 0 };
    let expr = parser.or()?;
    if parser.next < parser.tokens.len() {
        return Err(syntax(text, "an unexpected token"));
    }
    Ok(expr)
}

fn no_property(type_name: &str, name: &str) -> DataverseError {
    DataverseError::new(
        StatusCode::BAD_REQUEST,
        "0x0",
        format!("Could not find a property named '{name}' on type 'Microsoft.Dynamics.CRM.{type_name}'."),
    )
}

/// Whether `item` (of the metadata type `type_name`, with the properties `allowed` may filter on) matches.
pub fn matches(
    expr: &Expr,
    item: &Value,
    type_name: &str,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<bool, DataverseError> {
    Ok(match expr {
        Expr::And(a, b) => matches(a, item, type_name, allowed)? && matches(b, item, type_name, allowed)?,
        Expr::Or(a, b) => matches(a, item, type_name, allowed)? || matches(b, item, type_name, allowed)?,
        Expr::Not(inner) => !matches(inner, item, type_name, allowed)?,
        Expr::Compare { path, op, value } => {
            let first = &path[0];
            if !allowed(first) || item.get(first).is_none() {
                return Err(no_property(type_name, first));
            }
            let mut found = &item[first];
            if let Some(second) = path.get(1) {
                if found.get("LocalizedLabels").is_some() {
                    return Err(bad_request(format!(
                        "The property '{first}' is a Label: table definitions can't be filtered on labels."
                    )));
                }
                found = found.get(second).ok_or_else(|| no_property(type_name, &path.join("/")))?;
            }
            if path.len() > 2 || found.is_object() || found.is_array() {
                return Err(bad_request(format!(
                    "The property '{}' is not a primitive or enumeration value: filter one level into a complex \
                     property (CanCreateAttributes/Value), never on a label or a collection.",
                    path.join("/")
                )));
            }
            compare(found, *op, value, &path.join("/"))?
        }
    })
}

fn compare(found: &Value, op: Op, literal: &Literal, name: &str) -> Result<bool, DataverseError> {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (found, literal) {
        (Value::Null, Literal::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Literal::Null) => {
            return match op {
                Op::Eq => Ok(false),
                Op::Ne => Ok(true),
                _ => Ok(false),
            };
        }
        (Value::String(s), Literal::String(l)) => Some(s.as_str().cmp(l.as_str())),
        (Value::String(s), Literal::Guid(g)) => {
            Some(uuid::Uuid::try_parse(s).map_or(Ordering::Less, |id| id.cmp(g)))
        }
        (Value::Number(n), Literal::Number(l)) => n.as_f64().and_then(|n| n.partial_cmp(l)),
        (Value::Bool(b), Literal::Bool(l)) if matches!(op, Op::Eq | Op::Ne) => Some(b.cmp(l)),
        _ => None,
    };
    let Some(ordering) = ordering else {
        return Err(bad_request(format!(
            "A binary operator with incompatible types was detected for the property '{name}' and the operator \
             kind '{}'.",
            op.kind()
        )));
    };
    Ok(match op {
        Op::Eq => ordering == Ordering::Equal,
        Op::Ne => ordering != Ordering::Equal,
        Op::Gt => ordering == Ordering::Greater,
        Op::Ge => ordering != Ordering::Less,
        Op::Lt => ordering == Ordering::Less,
        Op::Le => ordering != Ordering::Greater,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(filter: &str, item: &Value) -> Result<bool, DataverseError> {
        matches(&parse(filter)?, item, "EntityMetadata", &|_| true)
    }

    #[test]
    fn enums_paths_and_logic() {
        let item = json!({
            "LogicalName": "account", "ObjectTypeCode": 1, "IsCustomEntity": false,
            "OwnershipType": "UserOwned", "CanCreateAttributes": { "Value": true },
            "DisplayName": { "LocalizedLabels": [], "UserLocalizedLabel": null },
            "MetadataId": "70816501-edb9-4740-a16c-6a5efbc05d84",
        });
        let yes = [
            "LogicalName eq 'account'",
            "OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'",
            "CanCreateAttributes/Value eq true and not (ObjectTypeCode gt 1)",
            "ObjectTypeCode ge 1 and ObjectTypeCode le 1 and ObjectTypeCode lt 2",
            "LogicalName ne 'contact' or IsCustomEntity eq true",
            "MetadataId eq 70816501-edb9-4740-a16c-6a5efbc05d84",
        ];
        for filter in yes {
            assert_eq!(check(filter, &item).map_err(|e| e.message), Ok(true), "{filter}");
        }
        assert_eq!(check("LogicalName eq 'contact'", &item).map_err(|e| e.message), Ok(false));
        for (filter, message) in [
            ("contains(LogicalName,'acc')", "The function 'contains' is not supported"),
            ("Nmae eq 'x'", "Could not find a property named 'Nmae'"),
            ("DisplayName/UserLocalizedLabel eq null", "is a Label"),
            ("ObjectTypeCode eq 'one'", "incompatible types"),
            ("LogicalName eq", "Syntax error"),
        ] {
            let error = check(filter, &item).unwrap_err();
            assert!(error.message.contains(message), "{filter}: {}", error.message);
        }
    }
}
