//! Belgian word lists and formats shared by the Syneton and AdminPulse simulators.

use super::kit::Rng;

/// Trades that start company names.
pub const PREFIXES: &[&str] = &[
    "Bakkerij",
    "Garage",
    "Brouwerij",
    "Boulangerie",
    "Transport",
    "Architectenbureau",
    "Immo",
    "Apotheek",
    "Drukkerij",
    "Schrijnwerkerij",
    "Cabinet",
    "Atelier",
    "Bouwbedrijf",
    "Brasserie",
    "Fiduciaire",
    "Tuinaanleg",
    "Elektro",
    "Menuiserie",
];
/// Family names.
pub const SURNAMES: &[&str] = &[
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Lambert",
    "Dupont",
    "Martin",
    "Leclercq",
    "Vermeulen",
    "Van den Broeck",
    "Lemaire",
    "Renard",
    "D'Hondt",
];
/// First names.
pub const FIRST_NAMES: &[&str] = &[
    "An", "Jan", "Pieter", "Sofie", "Els", "Tom", "Lies", "Marie", "Luc", "Nathalie", "Koen",
    "Isabelle", "Bart", "Julie", "Wim", "Sarah", "Philippe", "Céline", "Dirk", "Ann",
];
/// Dutch legal forms.
pub const FORMS_NL: &[&str] = &["BV", "NV", "CommV", "VOF", "CV"];
/// French legal forms.
pub const FORMS_FR: &[&str] = &["SRL", "SA", "SComm", "SC"];
/// (postal code, city, language)
pub const CITIES: &[(&str, &str, &str)] = &[
    ("1000", "Brussel", "NL"),
    ("2000", "Antwerpen", "NL"),
    ("9000", "Gent", "NL"),
    ("8500", "Kortrijk", "NL"),
    ("3000", "Leuven", "NL"),
    ("8000", "Brugge", "NL"),
    ("4000", "Liège", "FR"),
    ("5000", "Namur", "FR"),
    ("6000", "Charleroi", "FR"),
    ("7000", "Mons", "FR"),
    ("3500", "Hasselt", "NL"),
    ("2800", "Mechelen", "NL"),
    ("1300", "Wavre", "FR"),
    ("8800", "Roeselare", "NL"),
    ("1050", "Ixelles", "FR"),
];
/// Flemish streets.
pub const STREETS_NL: &[&str] = &[
    "Dorpstraat",
    "Kerkstraat",
    "Stationsstraat",
    "Molenstraat",
    "Nieuwstraat",
    "Grote Markt",
];
/// Walloon and Brussels streets.
pub const STREETS_FR: &[&str] = &[
    "Rue de la Station",
    "Rue de l'Église",
    "Chaussée de Bruxelles",
    "Rue Haute",
    "Place du Marché",
];

/// A lower-case ASCII slug of a name (for domains and e-mail addresses).
pub fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A Belgian phone number, mobile or landline.
pub fn phone(rng: &mut Rng, mobile: bool) -> String {
    let n = rng.below(1_000_000);
    if mobile {
        format!(
            "+32 47{} {:02} {:02} {:02}",
            rng.below(10),
            n / 10_000,
            n / 100 % 100,
            n % 100
        )
    } else {
        format!(
            "+32 {} {:02} {:02} {:02}",
            2 + rng.below(8),
            n / 10_000,
            n / 100 % 100,
            n % 100
        )
    }
}
