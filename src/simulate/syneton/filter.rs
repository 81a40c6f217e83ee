//! The simulator's reading of `Filter=` (accounting-apis.md §1.6): clauses joined with
//! `and`; `eq ne ge gt le lt`, `in (…)`, `not in (…)`, `is null`, `is not null`,
//! `StartsWith/EndsWith/Contains(Field, 'v')`. Text literals are single-quoted with `''`
//! for a quote; an `l.` prefix on a field is dropped. Comparisons of text ignore case (the
//! SQL Anywhere default collation), and `T` in timestamps compares like a space.

use serde_json::{Map, Value};

/// One comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Cmp(String, Op, Lit),
    In(String, Vec<Lit>, bool),
    Null(String, bool),
    Func(Func, String, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Ge,
    Gt,
    Le,
    Lt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    StartsWith,
    EndsWith,
    Contains,
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Text(String),
    Num(f64),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Text(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

fn lex(input: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated text literal".to_owned()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            s.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Text(s));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '.')
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Tok::Num(
                    text.parse().map_err(|_| format!("bad number {text}"))?,
                ));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character {other}")),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn expect(&mut self, want: &Tok) -> Result<(), String> {
        match self.next() {
            Some(t) if t == *want => Ok(()),
            _ => Err(format!("expected {want:?}")),
        }
    }

    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Text(s)) => Ok(Lit::Text(s)),
            Some(Tok::Num(n)) => Ok(Lit::Num(n)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Lit::Num(1.0)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Lit::Num(0.0)),
            _ => Err("expected a value".to_owned()),
        }
    }

    fn list(&mut self) -> Result<Vec<Lit>, String> {
        self.expect(&Tok::Open)?;
        let mut items = vec![self.literal()?];
        loop {
            match self.next() {
                Some(Tok::Comma) => items.push(self.literal()?),
                Some(Tok::Close) => return Ok(items),
                _ => return Err("expected , or ) in a list".to_owned()),
            }
        }
    }

    fn cond(&mut self) -> Result<Cond, String> {
        let Some(Tok::Word(word)) = self.next() else {
            return Err("expected a field".to_owned());
        };
        let func = match word.to_ascii_lowercase().as_str() {
            "startswith" => Some(Func::StartsWith),
            "endswith" => Some(Func::EndsWith),
            "contains" => Some(Func::Contains),
            _ => None,
        };
        if let Some(func) = func
            && matches!(self.toks.get(self.pos), Some(Tok::Open))
        {
            self.expect(&Tok::Open)?;
            let Some(Tok::Word(field)) = self.next() else {
                return Err("expected a field".to_owned());
            };
            self.expect(&Tok::Comma)?;
            let Some(Tok::Text(text)) = self.next() else {
                return Err("expected a text value".to_owned());
            };
            self.expect(&Tok::Close)?;
            return Ok(Cond::Func(func, strip_alias(&field), text));
        }
        let field = strip_alias(&word);
        let Some(Tok::Word(op)) = self.next() else {
            return Err(format!("expected an operator after {field}"));
        };
        let op = op.to_ascii_lowercase();
        Ok(match op.as_str() {
            "eq" => Cond::Cmp(field, Op::Eq, self.literal()?),
            "ne" => Cond::Cmp(field, Op::Ne, self.literal()?),
            "ge" => Cond::Cmp(field, Op::Ge, self.literal()?),
            "gt" => Cond::Cmp(field, Op::Gt, self.literal()?),
            "le" => Cond::Cmp(field, Op::Le, self.literal()?),
            "lt" => Cond::Cmp(field, Op::Lt, self.literal()?),
            "in" => Cond::In(field, self.list()?, false),
            "not" if self.peek_word("in") => {
                self.pos += 1;
                Cond::In(field, self.list()?, true)
            }
            "is" => {
                let negated = self.peek_word("not");
                if negated {
                    self.pos += 1;
                }
                if !self.peek_word("null") {
                    return Err("expected null".to_owned());
                }
                self.pos += 1;
                Cond::Null(field, !negated)
            }
            other => return Err(format!("unknown operator {other}")),
        })
    }
}

fn strip_alias(field: &str) -> String {
    field
        .strip_prefix("l.")
        .or_else(|| field.strip_prefix("L."))
        .unwrap_or(field)
        .to_owned()
}

/// Parses a filter and resolves its fields against `known` (case-insensitive, answering the
/// canonical name). Errors read like Syneton's `ErrorMessage`s.
pub fn parse(input: &str, known: &[&str]) -> Result<Vec<Cond>, String> {
    let mut p = Parser {
        toks: lex(input)?,
        pos: 0,
    };
    let mut conds = Vec::new();
    loop {
        let mut cond = p.cond()?;
        let field = match &mut cond {
            Cond::Cmp(f, ..) | Cond::In(f, ..) | Cond::Null(f, _) | Cond::Func(_, f, _) => f,
        };
        let canonical = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(field))
            .ok_or_else(|| format!("Unknown field {field}"))?;
        *field = (*canonical).to_owned();
        conds.push(cond);
        match p.next() {
            None => return Ok(conds),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("and") => {}
            _ => return Err("expected and between conditions".to_owned()),
        }
    }
}

/// Lower case; a timestamp's `T` reads as a space so both server shapes compare equal.
fn norm(s: &str) -> String {
    let b = s.as_bytes();
    let stamp = b.len() >= 11
        && b[..11].is_ascii()
        && b[10] == b'T'
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit);
    let mut out = s.to_lowercase();
    if stamp {
        out.replace_range(10..11, " ");
    }
    out
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(norm(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

fn num_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn compare(v: &Value, lit: &Lit) -> Option<std::cmp::Ordering> {
    match lit {
        Lit::Num(n) => num_of(v)?.partial_cmp(n),
        Lit::Text(t) => {
            if let (Value::Bool(_) | Value::Number(_), Ok(n)) = (v, t.trim().parse::<f64>()) {
                return num_of(v)?.partial_cmp(&n);
            }
            Some(text_of(v)?.cmp(&norm(t)))
        }
    }
}

/// Whether `row` satisfies every condition (SQL semantics: null compares false).
pub fn matches(row: &Map<String, Value>, conds: &[Cond]) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    conds.iter().all(|c| {
        let get = |f: &str| row.get(f).filter(|v| !v.is_null());
        match c {
            Cond::Null(f, want_null) => get(f).is_none() == *want_null,
            Cond::Cmp(f, op, lit) => {
                get(f)
                    .and_then(|v| compare(v, lit))
                    .is_some_and(|o| match op {
                        Op::Eq => o == Equal,
                        Op::Ne => o != Equal,
                        Op::Ge => o != Less,
                        Op::Gt => o == Greater,
                        Op::Le => o != Greater,
                        Op::Lt => o == Less,
                    })
            }
            Cond::In(f, lits, negated) => get(f)
                .is_some_and(|v| lits.iter().any(|l| compare(v, l) == Some(Equal)) != *negated),
            Cond::Func(func, f, text) => get(f).and_then(text_of).is_some_and(|v| {
                let t = text.to_lowercase();
                match func {
                    Func::StartsWith => v.starts_with(&t),
                    Func::EndsWith => v.ends_with(&t),
                    Func::Contains => v.contains(&t),
                }
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KNOWN: &[&str] = &[
        "CustomerId",
        "Name",
        "IsActive",
        "DateAction",
        "LogId",
        "VATNr",
    ];

    fn row(v: Value) -> Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    #[test]
    fn every_operator_filters_as_documented() {
        let r = row(
            json!({"CustomerId": 12, "Name": "Bakkerij 't Hoekske, BV", "IsActive": true,
                            "DateAction": "2024-05-20 08:05:00", "LogId": 100, "VATNr": null}),
        );
        let yes = [
            "CustomerId eq 12",
            "customerid ge 12 and CustomerId lt 13",
            "Name eq 'bakkerij ''t hoekske, bv'",
            "Name in ('x', 'Bakkerij ''t Hoekske, BV')",
            "CustomerId not in (1, 2)",
            "IsActive eq 1",
            "VATNr is null",
            "Name is not null",
            "StartsWith(Name, 'Bakk')",
            "EndsWith(Name, ', BV')",
            "Contains(Name, '''t')",
            "StartsWith(Name, 'bakkerij ''T')",
            "DateAction ge '2024-05-20 08:00:00' and DateAction lt '2024-05-20T09:00:00'",
            "l.LogId ge 100 and l.LogId lt 101",
        ];
        for f in yes {
            let conds = parse(f, KNOWN).expect(f);
            assert!(matches(&r, &conds), "{f}");
        }
        let no = [
            "CustomerId ne 12",
            "IsActive eq 0",
            "VATNr eq 'x'",
            "VATNr ne 'x'",
            "Name in ('Bakkerij')",
        ];
        for f in no {
            assert!(!matches(&r, &parse(f, KNOWN).expect(f)), "{f}");
        }
    }

    #[test]
    fn malformed_filters_and_unknown_fields_are_refused() {
        assert_eq!(
            parse("Color eq 'red'", KNOWN),
            Err("Unknown field Color".to_owned())
        );
        for bad in [
            "Name eq 'open",
            "Name eq",
            "Name like 'x'",
            "Name eq 'a' or Name eq 'b'",
            "Name in ('a' 'b')",
        ] {
            assert!(parse(bad, KNOWN).is_err(), "{bad}");
        }
    }
}
