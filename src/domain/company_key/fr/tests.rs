use super::*;

fn siret_ok(raw: &str) -> bool {
    Siret::parse(raw).is_ok()
}

#[test]
fn luhn_worked_example_on_siren_sums_to_forty() {
    assert_eq!(luhn_sum(b"732829320"), 40);
    assert_eq!(
        Siren::parse("732829320").map(|s| s.to_string()).as_deref(),
        Ok("732829320")
    );
}

#[test]
fn siret_is_luhn_valid_over_fourteen_digits_and_yields_its_siren() {
    assert_eq!(luhn_sum(b"73282932000074"), 50);
    let siret = Siret::parse("73282932000074");
    assert_eq!(
        siret
            .as_ref()
            .map(|s| s.siren().as_str().to_owned())
            .as_deref(),
        Ok("732829320")
    );
    assert_eq!(siret.as_ref().map(Siret::nic), Ok("00074"));
}

#[test]
fn vat_number_of_worked_example_siren_has_key_44() {
    assert_eq!(732_829_320 % 97, 43);
    assert_eq!((12 + 129) % 97, 44);
    let vat = Siren::parse("732829320").map(|s| s.vat_number());
    assert_eq!(vat.as_deref(), Ok("FR44732829320"));
}

#[test]
fn la_poste_head_office_is_checked_with_luhn() {
    assert!(luhn_valid(b"35600000000048"));
    assert!(siret_ok("35600000000048"));
    assert!(luhn_valid(b"356000000"));
}

#[test]
fn la_poste_establishment_with_digit_sum_multiple_of_five_is_valid() {
    assert_eq!(digit_sum(b"35600000009075"), 35);
    assert!(!luhn_valid(b"35600000009075"));
    assert!(siret_ok("35600000009075"));
    assert_eq!(digit_sum(b"35600000049837"), 45);
    assert!(siret_ok("35600000049837"));
}

#[test]
fn la_poste_establishment_with_digit_sum_not_multiple_of_five_is_invalid() {
    assert_eq!(digit_sum(b"35600000049838"), 46);
    assert_eq!(
        Siret::parse("35600000049838"),
        Err(InvalidCompanyKey::Checksum)
    );
}

#[test]
fn spaces_dots_and_non_breaking_spaces_are_removed() {
    for raw in [
        "732 829 320",
        "732.829.320",
        "732\u{a0}829\u{202f}320",
        " 732829320\n",
    ] {
        assert_eq!(
            Siren::parse(raw).map(String::from).as_deref(),
            Ok("732829320"),
            "{raw:?}"
        );
    }
    assert!(siret_ok("732 829 320 00074"));
}

#[test]
fn dashes_are_not_separators_for_siren() {
    assert_eq!(
        Siren::parse("732-829-320"),
        Err(InvalidCompanyKey::Unparseable)
    );
}

#[test]
fn monaco_style_identifier_is_unparseable() {
    assert_eq!(
        Siret::parse("MONACOCONFO001"),
        Err(InvalidCompanyKey::Unparseable)
    );
    assert_eq!(
        Siren::parse("MONACOCONFO001"),
        Err(InvalidCompanyKey::Unparseable)
    );
}

#[test]
fn wrong_lengths_checksums_and_zeros_are_reported() {
    assert_eq!(Siren::parse(" . "), Err(InvalidCompanyKey::Empty));
    assert_eq!(
        Siren::parse("73282932"),
        Err(InvalidCompanyKey::Length {
            expected: "9",
            found: 8
        })
    );
    assert_eq!(Siren::parse("732829321"), Err(InvalidCompanyKey::Checksum));
    assert_eq!(Siren::parse("000000000"), Err(InvalidCompanyKey::Component));
    assert_eq!(
        Siret::parse("00000000000000"),
        Err(InvalidCompanyKey::Component)
    );
    assert_eq!(
        Siret::parse("73282932000075"),
        Err(InvalidCompanyKey::Checksum)
    );
}

#[test]
fn siret_whose_siren_part_fails_luhn_is_a_component_error() {
    let results: Vec<_> = (0..10)
        .map(|d| Siret::parse(&format!("732829321000{d}0")))
        .collect();
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == Err(InvalidCompanyKey::Component))
            .count(),
        1
    );
    assert!(results.iter().all(Result::is_err));
}

#[test]
fn siren_is_read_from_numeric_vat_numbers() {
    for raw in [
        "FR44732829320",
        "fr 44 732 829 320",
        "FR-44.732.829.320",
        "44732829320",
    ] {
        assert_eq!(
            Siren::from_fr_vat(raw).map(String::from).as_deref(),
            Ok("732829320"),
            "{raw:?}"
        );
    }
    assert_eq!(
        Siren::from_fr_vat("Fr 40 303 265 045")
            .map(String::from)
            .as_deref(),
        Ok("303265045")
    );
    assert!(Siren::from_fr_vat("23334175221").is_ok());
}

#[test]
fn vat_number_with_wrong_numeric_key_is_a_checksum_error() {
    assert_eq!(
        Siren::from_fr_vat("FR45732829320"),
        Err(InvalidCompanyKey::Checksum)
    );
    assert_eq!(
        Siren::from_fr_vat("84 323 140 391"),
        Err(InvalidCompanyKey::Checksum)
    );
}

#[test]
fn siren_is_read_from_alphanumeric_vat_keys() {
    assert_eq!(
        Siren::from_fr_vat("FRK7399859412")
            .map(String::from)
            .as_deref(),
        Ok("399859412")
    );
    assert_eq!(
        Siren::from_fr_vat("4Z123456782")
            .map(String::from)
            .as_deref(),
        Ok("123456782")
    );
}

#[test]
fn vat_keys_with_i_or_o_or_bad_shape_are_rejected() {
    assert_eq!(
        Siren::from_fr_vat("IO334175221"),
        Err(InvalidCompanyKey::Unparseable)
    );
    assert_eq!(Siren::from_fr_vat("FR"), Err(InvalidCompanyKey::Empty));
    assert_eq!(
        Siren::from_fr_vat("FR4"),
        Err(InvalidCompanyKey::Unparseable)
    );
    assert_eq!(
        Siren::from_fr_vat("FR447328293"),
        Err(InvalidCompanyKey::Length {
            expected: "11 (key and SIREN)",
            found: 9
        })
    );
}

#[test]
fn vat_number_round_trips_for_generated_sirens() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut checked = 0;
    for _ in 0..500 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let base = format!("{:08}", (seed >> 33) % 100_000_000);
        let Some(siren) = (0..10)
            .map(|d| format!("{base}{d}"))
            .find_map(|s| Siren::parse(&s).ok())
        else {
            continue;
        };
        assert_eq!(Siren::from_fr_vat(&siren.vat_number()), Ok(siren.clone()));
        checked += 1;
    }
    assert!(checked > 400);
}

#[test]
fn serde_uses_the_normalized_digits() {
    let siret = serde_json::from_str::<Siret>("\"732 829 320 00074\"");
    assert_eq!(
        siret
            .ok()
            .and_then(|s| serde_json::to_string(&s).ok())
            .as_deref(),
        Some("\"73282932000074\"")
    );
    assert!(serde_json::from_str::<Siren>("\"732829321\"").is_err());
}
