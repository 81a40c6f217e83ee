//! ASCII slugs of French names, for the seed's web domains and e-mail addresses.

/// `s` lower-cased, accents folded, anything else between words a single `-`.
pub fn ascii_slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        let m = match c {
            'é' | 'è' | 'ê' | 'ë' => "e",
            'à' | 'â' | 'ä' => "a",
            'ç' => "c",
            'ô' | 'ö' => "o",
            'î' | 'ï' => "i",
            'ù' | 'û' | 'ü' => "u",
            'œ' => "oe",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        out.push_str(m);
    }
    out.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}
