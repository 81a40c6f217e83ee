//! Tokens and a recursive-descent parser for the segment language (see the module docs).

use super::{Field, Segment, SegmentError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Quoted(String),
    Eq,
    Ne,
    Open,
    Close,
    Comma,
}

/// A token and its 1-based character position.
type Spanned = (Tok, usize);

fn err(position: usize, message: impl Into<String>) -> SegmentError {
    SegmentError {
        position,
        message: message.into(),
    }
}

fn is_bare(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@' | '+')
}

fn lex(text: &str) -> Result<Vec<Spanned>, SegmentError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' | '=' => {
                out.push((
                    match c {
                        '(' => Tok::Open,
                        ')' => Tok::Close,
                        ',' => Tok::Comma,
                        _ => Tok::Eq,
                    },
                    pos,
                ));
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                out.push((Tok::Ne, pos));
                i += 2;
            }
            '"' => {
                let mut value = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(err(pos, "this quoted value is not closed")),
                        Some('"') => break,
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                            value.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(ch) => {
                            value.push(*ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push((Tok::Quoted(value), pos));
            }
            c if is_bare(c) => {
                let start = i;
                while i < chars.len() && is_bare(chars[i]) {
                    i += 1;
                }
                out.push((Tok::Word(chars[start..i].iter().collect()), pos));
            }
            other => return Err(err(pos, format!("unexpected character {other:?}"))),
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(_, p)| *p)
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Spanned> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> Result<Segment, SegmentError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Segment::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Segment, SegmentError> {
        let mut left = self.not()?;
        while self.keyword("and") {
            self.at += 1;
            left = Segment::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Segment, SegmentError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Segment::Not(Box::new(self.not()?)));
        }
        if self.peek() == Some(&Tok::Open) {
            self.at += 1;
            let inner = self.or()?;
            let pos = self.position();
            return match self.next() {
                Some((Tok::Close, _)) => Ok(inner),
                _ => Err(err(pos, "expected ')'")),
            };
        }
        self.condition()
    }

    fn condition(&mut self) -> Result<Segment, SegmentError> {
        let pos = self.position();
        let field = match self.next() {
            Some((Tok::Word(w), p)) => field(&w, p)?,
            _ => {
                return Err(err(
                    pos,
                    "expected a field (tag, language, state, company.id, company.domain, company.name, company.stage, criterion.CODE, authorization.NAME)",
                ));
            }
        };
        let op_pos = self.position();
        match self.next() {
            Some((Tok::Eq, _)) => {
                let v = self.value(&field)?;
                Ok(Segment::In(field, vec![v]))
            }
            Some((Tok::Ne, _)) => {
                let v = self.value(&field)?;
                Ok(Segment::Not(Box::new(Segment::In(field, vec![v]))))
            }
            Some((Tok::Word(w), _)) if w.eq_ignore_ascii_case("in") => {
                let open = self.position();
                if self.next().map(|t| t.0) != Some(Tok::Open) {
                    return Err(err(open, "expected '(' after in"));
                }
                let mut values = vec![self.value(&field)?];
                loop {
                    let p = self.position();
                    match self.next() {
                        Some((Tok::Comma, _)) => values.push(self.value(&field)?),
                        Some((Tok::Close, _)) => break,
                        _ => return Err(err(p, "expected ',' or ')' in the list of values")),
                    }
                }
                Ok(Segment::In(field, values))
            }
            Some((Tok::Word(w), _)) if w.eq_ignore_ascii_case("is") => {
                if field == Field::Tag || field == Field::State {
                    return Err(err(op_pos, "`is set` is not defined for this field"));
                }
                let negated = self.keyword("not");
                if negated {
                    self.at += 1;
                }
                let p = self.position();
                if !self.keyword("set") {
                    return Err(err(p, "expected `set` after `is`"));
                }
                self.at += 1;
                let set = Segment::IsSet(field);
                Ok(if negated {
                    Segment::Not(Box::new(set))
                } else {
                    set
                })
            }
            _ => Err(err(op_pos, "expected =, !=, in or is after the field")),
        }
    }

    fn value(&mut self, field: &Field) -> Result<String, SegmentError> {
        let pos = self.position();
        let raw = match self.next() {
            Some((Tok::Word(w) | Tok::Quoted(w), _)) => w,
            _ => return Err(err(pos, "expected a value")),
        };
        match field {
            Field::State => match raw.to_ascii_lowercase().as_str() {
                s @ ("active" | "inactive" | "anonymized") => Ok(s.to_owned()),
                _ => Err(err(pos, "state is active, inactive or anonymized")),
            },
            Field::Authorization(_) => match crate::import::bulk::parse_bool(&raw) {
                Ok(Some(b)) => Ok(b.to_string()),
                _ => Err(err(
                    pos,
                    "an authorization is TRUE, true, T, t, FALSE, false, F or f (use `is not set` for unset)",
                )),
            },
            _ if raw.is_empty() => Err(err(pos, "the value is empty (use `is not set`)")),
            _ => Ok(raw),
        }
    }
}

fn field(word: &str, pos: usize) -> Result<Field, SegmentError> {
    let lower = word.to_ascii_lowercase();
    let named = |prefix: &str| -> Result<Option<String>, SegmentError> {
        if !lower.starts_with(prefix) {
            return Ok(None);
        }
        // Keep the code's own case: codes are exact.
        let name = &word[prefix.len()..];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                pos,
                format!("{prefix}NAME needs a code of letters, digits, '_' or '-'"),
            ));
        }
        Ok(Some(name.to_owned()))
    };
    if let Some(code) = named("criterion.")? {
        return Ok(Field::Criterion(code));
    }
    if let Some(name) = named("authorization.")? {
        return Ok(Field::Authorization(name));
    }
    Ok(match lower.as_str() {
        "tag" | "tags" => Field::Tag,
        "language" => Field::Language,
        "state" => Field::State,
        "company.id" => Field::CompanyId,
        "company.domain" => Field::CompanyDomain,
        "company.name" => Field::CompanyName,
        "company.stage" => Field::CompanyStage,
        _ => return Err(err(pos, format!("unknown field {word:?}"))),
    })
}

/// Parses a segment.
///
/// # Errors
/// A [`SegmentError`] naming the position of the first problem.
pub fn parse(text: &str) -> Result<Segment, SegmentError> {
    let tokens = lex(text)?;
    let end = text.chars().count() + 1;
    if tokens.is_empty() {
        return Err(err(1, "the segment is empty"));
    }
    let mut p = Parser { tokens, at: 0, end };
    let segment = p.or()?;
    if p.at < p.tokens.len() {
        return Err(err(
            p.position(),
            "expected and, or, or the end of the segment",
        ));
    }
    Ok(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(field: Field, v: &str) -> Segment {
        Segment::In(field, vec![v.to_owned()])
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let s = parse("tag = VIP or language = fr and not state = inactive").expect("parses");
        assert_eq!(
            s,
            Segment::Or(
                Box::new(one(Field::Tag, "VIP")),
                Box::new(Segment::And(
                    Box::new(one(Field::Language, "fr")),
                    Box::new(Segment::Not(Box::new(one(Field::State, "inactive"))))
                ))
            )
        );
    }

    #[test]
    fn lists_quotes_codes_and_is_set() {
        let s = parse(r#"(company.stage IN (TRIAL, "R U\"N")) AND criterion.Sector is not set"#)
            .expect("parses");
        assert_eq!(
            s,
            Segment::And(
                Box::new(Segment::In(
                    Field::CompanyStage,
                    vec!["TRIAL".into(), "R U\"N".into()]
                )),
                Box::new(Segment::Not(Box::new(Segment::IsSet(Field::Criterion(
                    "Sector".into()
                )))))
            )
        );
        assert_eq!(
            parse("authorization.NEWS != F").expect("parses"),
            Segment::Not(Box::new(one(Field::Authorization("NEWS".into()), "false")))
        );
    }

    #[test]
    fn errors_name_the_position() {
        let cases = [
            ("", 1, "empty"),
            ("tag =", 6, "expected a value"),
            ("tag = a and", 12, "expected a field"),
            ("colour = red", 1, "unknown field"),
            ("tag = a b", 9, "expected and, or"),
            ("state = gone", 9, "active, inactive or anonymized"),
            ("authorization.X = maybe", 19, "TRUE"),
            ("tag = \"open", 7, "not closed"),
            ("(tag = a", 9, "expected ')'"),
            ("tag in (a b)", 11, "expected ','"),
            ("tag is set", 5, "not defined"),
            ("language ~ fr", 10, "unexpected character"),
            ("criterion. = x", 1, "needs a code"),
        ];
        for (text, position, message) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.position, position, "{text}: {e}");
            assert!(e.message.contains(message), "{text}: {e}");
        }
    }
}
