//! RFC 8288 `Link` header parsing. Syneton pages through `rel="next"` links whose target
//! already carries the filter and `per_page`; the client follows the target verbatim and
//! never builds a page URL itself (the page parameter's name is unknown).
//!
//! Handles several header fields, several links per field, commas inside `<…>` targets,
//! quoted and unquoted parameter values, and `rel` values listing several relation types.

/// One link-value: target and parameters (names lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkValue {
    /// The URI reference between `<` and `>`, unresolved.
    pub target: String,
    /// Parameters in order, names lower-cased, values unquoted.
    pub params: Vec<(String, String)>,
}

impl LinkValue {
    /// Whether `rel` lists `relation` (case-insensitive, RFC 8288 §3.3).
    #[must_use]
    pub fn has_rel(&self, relation: &str) -> bool {
        self.params.iter().any(|(name, value)| {
            name == "rel"
                && value
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case(relation))
        })
    }
}

/// Parses one `Link` field value; malformed parts are skipped.
#[must_use]
pub fn parse(value: &str) -> Vec<LinkValue> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        let Some(open) = rest.find('<') else {
            return out;
        };
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            return out;
        };
        let target = after[..close].trim().to_owned();
        let (params, remaining) = parse_params(&after[close + 1..]);
        out.push(LinkValue { target, params });
        rest = remaining;
    }
}

/// Reads `; name=value` pairs up to the comma that ends this link-value.
fn parse_params(mut s: &str) -> (Vec<(String, String)>, &str) {
    let mut params = Vec::new();
    loop {
        s = s.trim_start();
        match s.chars().next() {
            Some(';') => s = &s[1..],
            Some(',') | None => return (params, s.get(1..).unwrap_or("")),
            Some(_) => {
                // Junk between parameters: skip to the next separator.
                let cut = s.find([';', ',']).unwrap_or(s.len());
                s = &s[cut..];
                continue;
            }
        }
        s = s.trim_start();
        let name_end = s.find(['=', ';', ',']).unwrap_or(s.len());
        let name = s[..name_end].trim().to_ascii_lowercase();
        s = &s[name_end..];
        let mut value = String::new();
        if let Some(stripped) = s.strip_prefix('=') {
            s = stripped.trim_start();
            if let Some(quoted) = s.strip_prefix('"') {
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                s = &quoted[end.min(quoted.len())..];
            } else {
                let end = s.find([';', ',']).unwrap_or(s.len());
                value = s[..end].trim().to_owned();
                s = &s[end..];
            }
        }
        if !name.is_empty() {
            params.push((name, value));
        }
    }
}

/// The `rel="next"` target among all `Link` fields of a response, if any.
pub fn next_target<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<String> {
    fields
        .into_iter()
        .flat_map(parse)
        .find(|l| l.has_rel("next"))
        .map(|l| l.target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_found_wherever_it_sits_in_the_header() {
        let cases = [
            (
                r#"<https://h:2100/api/v1/customers?per_page=100&page=2>; rel="next""#,
                Some("https://h:2100/api/v1/customers?per_page=100&page=2"),
            ),
            (
                r#"<https://h/c?page=9>; rel="last", <https://h/c?page=2>; rel="next""#,
                Some("https://h/c?page=2"),
            ),
            (
                r#"<https://h/c?page=2>; rel=next, <https://h/c?page=9>; rel=last"#,
                Some("https://h/c?page=2"),
            ),
            (
                r#"<https://h/c?page=1>; rel="prev first"; title="a, b", <https://h/c?page=3>; rel="last next""#,
                Some("https://h/c?page=3"),
            ),
            (r#"<https://h/c?page=9>; rel="last""#, None),
            ("", None),
            ("garbage without brackets", None),
        ];
        for (header, want) in cases {
            assert_eq!(next_target([header]).as_deref(), want, "{header}");
        }
    }

    #[test]
    fn commas_and_semicolons_inside_the_target_are_kept() {
        let header = "<https://h/c?Filter=CustomerId%20in%20(1,2,3);x=1&page=2>; REL=\"Next\"";
        let links = parse(header);
        assert_eq!(links.len(), 1);
        assert_eq!(
            links[0].target,
            "https://h/c?Filter=CustomerId%20in%20(1,2,3);x=1&page=2"
        );
        assert!(links[0].has_rel("next"));
    }

    #[test]
    fn several_header_fields_are_searched_and_quoted_escapes_read() {
        let fields = [
            r#"<https://h/a>; rel="prev"; title="say \"hi\"""#,
            r#"<https://h/b>; rel="next""#,
        ];
        assert_eq!(next_target(fields).as_deref(), Some("https://h/b"));
        let title = &parse(fields[0])[0].params[1];
        assert_eq!(title, &("title".to_owned(), "say \"hi\"".to_owned()));
    }
}
