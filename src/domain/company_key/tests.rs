use super::*;

fn parse(
    raw: &str,
    country: Option<Country>,
) -> Result<(CompanyKeyKind, String), InvalidCompanyKey> {
    CompanyKey::parse(raw, country).map(|k| (k.kind(), k.normalized().to_owned()))
}

fn ok(kind: CompanyKeyKind, digits: &str) -> Result<(CompanyKeyKind, String), InvalidCompanyKey> {
    Ok((kind, digits.to_owned()))
}

#[test]
fn prefix_decides_belgian_and_french_vat_numbers() {
    use CompanyKeyKind::{BeEnterprise, Siren};
    assert_eq!(
        parse("BE 0403.019.261", None),
        ok(BeEnterprise, "0403019261")
    );
    assert_eq!(
        parse("be428759497", Some(Country::Fr)),
        ok(BeEnterprise, "0428759497")
    );
    assert_eq!(
        parse("(0)403.019.261", None),
        ok(BeEnterprise, "0403019261")
    );
    assert_eq!(
        parse("FR44732829320", Some(Country::Be)),
        ok(Siren, "732829320")
    );
}

#[test]
fn length_decides_unprefixed_keys() {
    assert_eq!(
        parse("73282932000074", None),
        ok(CompanyKeyKind::Siret, "73282932000074")
    );
    assert_eq!(
        parse("0403019261", None),
        ok(CompanyKeyKind::BeEnterprise, "0403019261")
    );
    assert_eq!(
        parse("1006872569", Some(Country::Fr)),
        ok(CompanyKeyKind::BeEnterprise, "1006872569")
    );
}

#[test]
fn nine_digits_without_prefix_or_country_are_ambiguous() {
    assert_eq!(parse("732829320", None), Err(InvalidCompanyKey::Ambiguous));
    assert_eq!(
        parse("732 829 320", None),
        Err(InvalidCompanyKey::Ambiguous)
    );
}

#[test]
fn country_decides_nine_digits() {
    assert_eq!(
        parse("732829320", Some(Country::Fr)),
        ok(CompanyKeyKind::Siren, "732829320")
    );
    assert_eq!(
        parse("428759497", Some(Country::Be)),
        ok(CompanyKeyKind::BeEnterprise, "0428759497")
    );
    assert_eq!(
        parse("431150351", Some(Country::Be)),
        Err(InvalidCompanyKey::Checksum)
    );
}

#[test]
fn errors_of_the_specific_parsers_are_passed_through() {
    assert_eq!(
        parse("BE2000021323", None),
        Err(InvalidCompanyKey::Component)
    );
    assert_eq!(
        parse("35600000049838", None),
        Err(InvalidCompanyKey::Checksum)
    );
    assert_eq!(
        parse("MONACOCONFO001", Some(Country::Fr)),
        Err(InvalidCompanyKey::Unparseable)
    );
    assert_eq!(parse("", None), Err(InvalidCompanyKey::Empty));
    assert_eq!(
        parse(" - . / ", Some(Country::Fr)),
        Err(InvalidCompanyKey::Empty)
    );
}

#[test]
fn other_lengths_report_the_lengths_accepted_for_the_country() {
    let length = |expected, found| Err(InvalidCompanyKey::Length { expected, found });
    assert_eq!(parse("12345", None), length("9, 10 or 14", 5));
    assert_eq!(parse("12345", Some(Country::Fr)), length("9 or 14", 5));
    assert_eq!(
        parse("12345", Some(Country::Be)),
        length("10 (or 9 legacy)", 5)
    );
}

#[test]
fn siren_is_available_for_french_keys_only() {
    let siren = |raw| {
        CompanyKey::parse(raw, Some(Country::Fr))
            .ok()
            .and_then(|k| k.siren())
    };
    assert_eq!(
        siren("73282932000074").map(String::from).as_deref(),
        Some("732829320")
    );
    assert_eq!(
        siren("732829320").map(String::from).as_deref(),
        Some("732829320")
    );
    assert_eq!(
        siren("FR44732829320").map(String::from).as_deref(),
        Some("732829320")
    );
    assert_eq!(siren("BE0403019261"), None);
}

#[test]
fn kind_names_round_trip_through_from_str() {
    for kind in [
        CompanyKeyKind::Siret,
        CompanyKeyKind::Siren,
        CompanyKeyKind::BeEnterprise,
    ] {
        assert_eq!(kind.as_str().parse::<CompanyKeyKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
    assert_eq!(CompanyKeyKind::BeEnterprise.as_str(), "be_enterprise");
    assert_eq!(
        "SIRET".parse::<CompanyKeyKind>(),
        Err(UnknownCompanyKeyKind)
    );
}

#[test]
fn company_key_serializes_with_kind_and_value() {
    let key = CompanyKey::parse("BE 0403.019.261", None);
    let json = key
        .as_ref()
        .ok()
        .and_then(|k| serde_json::to_string(k).ok());
    assert_eq!(
        json.as_deref(),
        Some(r#"{"kind":"be_enterprise","value":"0403019261"}"#)
    );
    let back = serde_json::from_str::<CompanyKey>(r#"{"kind":"siret","value":"73282932000074"}"#);
    assert_eq!(
        back.ok().map(|k| k.to_string()).as_deref(),
        Some("73282932000074")
    );
    assert!(serde_json::from_str::<CompanyKey>(r#"{"kind":"siren","value":"732829321"}"#).is_err());
    assert_eq!(
        serde_json::to_string(&Country::Be).ok().as_deref(),
        Some("\"BE\"")
    );
}

#[test]
fn error_messages_never_contain_the_number() {
    let inputs = [
        "BE431150351",
        "BE0123456123",
        "BE2000021323",
        "35600000049838",
        "732829321",
        "MONACOCONFO001",
        "12345",
        "732829320",
    ];
    for raw in inputs {
        for country in [None, Some(Country::Fr), Some(Country::Be)] {
            if let Err(err) = CompanyKey::parse(raw, country) {
                let message = err.to_string();
                let part = raw.get(2..6).unwrap_or(raw);
                assert!(!message.contains(part), "{message}");
                assert!(!message.is_empty());
            }
        }
    }
}

#[test]
fn odd_unicode_empty_and_very_long_inputs_never_panic() {
    let long_digits = "1".repeat(100_000);
    let long_mixed = "é9(0)BE".repeat(10_000);
    let odd = [
        "",
        " ",
        "\u{0}",
        "\u{feff}",
        "BE",
        "FR",
        "(0)",
        "BE(0)",
        "FR(0)",
        "((0)",
        "٣٥٦٠٠٠٠٠٠",
        "ＢＥ０４０３０１９２６１",
        "🙂🙂🙂🙂🙂🙂🙂🙂🙂",
        "e\u{301}\u{301}\u{301}",
        "BEé",
        "FRé1234567890",
        "FRÉ",
        "ß",
        "\u{130}",
        long_digits.as_str(),
        long_mixed.as_str(),
    ];
    let mut seed: u64 = 42;
    let alphabet: Vec<char> = "0123456789 .-/()BEFRIOKZé🙂\u{a0}".chars().collect();
    let mut generated = Vec::new();
    for _ in 0..2_000 {
        let mut s = String::new();
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1442695040888963407);
        for i in 0..(seed >> 59) {
            let pick = (seed >> (i % 50)) as usize % alphabet.len();
            s.extend(alphabet.get(pick));
        }
        generated.push(s);
    }
    for raw in odd
        .iter()
        .copied()
        .chain(generated.iter().map(String::as_str))
    {
        for country in [None, Some(Country::Fr), Some(Country::Be)] {
            let _ = CompanyKey::parse(raw, country);
        }
        let _ = (
            Siren::parse(raw),
            Siret::parse(raw),
            Siren::from_fr_vat(raw),
        );
        let _ = BeEnterpriseNumber::parse(raw);
    }
    assert!(matches!(
        CompanyKey::parse(&long_digits, None),
        Err(InvalidCompanyKey::Length { found: 100_000, .. })
    ));
}
