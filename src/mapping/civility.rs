//! Civility (spec §3.5): the HubSpot `civilite` value is the local label-table code; an
//! empty value takes the table's first code.

/// The local civility code for a HubSpot value. `codes` is the tenant's table in order.
/// `None` when the value is not a known code (the record goes to the failure journal).
#[must_use]
pub fn inbound<'a>(value: Option<&str>, codes: &'a [String]) -> Option<&'a str> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => codes.first().map(String::as_str),
        Some(v) => codes.iter().find(|c| c.as_str() == v).map(String::as_str),
    }
}

/// The HubSpot value for a local code (codes are shared, so it is the code itself).
#[must_use]
pub fn outbound(code: Option<&str>) -> String {
    code.unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes() -> Vec<String> {
        vec!["M".to_owned(), "MME".to_owned(), "MLLE".to_owned()]
    }

    #[test]
    fn empty_takes_the_first_code_and_known_codes_pass() {
        let codes = codes();
        assert_eq!(inbound(None, &codes), Some("M"));
        assert_eq!(inbound(Some(" "), &codes), Some("M"));
        assert_eq!(inbound(Some("MME"), &codes), Some("MME"));
        assert_eq!(inbound(Some("mme"), &codes), None, "codes are exact");
        assert_eq!(inbound(Some("DR"), &codes), None);
        assert_eq!(inbound(None, &[]), None);
    }

    #[test]
    fn outbound_sends_the_code_or_clears() {
        assert_eq!(outbound(Some("MLLE")), "MLLE");
        assert_eq!(outbound(None), "");
    }
}
