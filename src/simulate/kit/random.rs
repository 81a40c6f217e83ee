//! Deterministic data for the seeds: a splitmix64 PRNG, and Belgian and French company
//! numbers that pass their checks (or, on purpose, do not).

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// `n` random decimal digits.
    pub fn digits(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.below(10) as u8).collect()
    }
}

/// A valid Belgian enterprise number (10 digits, mod-97), mostly in the 0-series.
pub fn be_enterprise_number(rng: &mut Rng) -> String {
    loop {
        let first = if rng.chance(5) { 1 } else { 0 };
        let body = first * 10_000_000 + rng.below(10_000_000);
        let check = 97 - body % 97;
        let s = format!("{body:08}{check:02}");
        if s != "0000000097" {
            return s;
        }
    }
}

/// A Belgian-looking number whose check digits are wrong.
pub fn be_invalid_number(rng: &mut Rng) -> String {
    let body = rng.below(10_000_000);
    let check = (97 - body % 97) % 97 + 1;
    format!("{body:08}{:02}", check % 100)
}

/// The Luhn check digit for `payload` (digits, most significant first).
pub fn luhn_check_digit(payload: &[u8]) -> u8 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(*d);
            if i % 2 == 0 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether a string of digits passes Luhn.
pub fn luhn_valid(s: &str) -> bool {
    let digits: Option<Vec<u8>> = s.chars().map(|c| c.to_digit(10).map(|d| d as u8)).collect();
    match digits {
        Some(d) if !d.is_empty() => d.last().copied() == Some(luhn_check_digit(&d[..d.len() - 1])),
        _ => false,
    }
}

/// A SIRET whose SIREN and 14 digits are Luhn-valid (never La Poste's SIREN).
pub fn siret(rng: &mut Rng) -> String {
    loop {
        let mut d = rng.digits(8);
        if d[0] == 0 {
            d[0] = 1 + rng.below(9) as u8;
        }
        d.push(luhn_check_digit(&d));
        d.extend([0, 0, 0, 1 + rng.below(5) as u8]);
        d.push(luhn_check_digit(&d));
        let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        if !s.starts_with("356000000") {
            return s;
        }
    }
}

/// The French VAT number of a SIREN (numeric key).
pub fn fr_vat(siren: &str) -> String {
    let n: u64 = siren.parse().unwrap_or(0);
    format!("FR{:02}{siren}", (12 + 3 * (n % 97)) % 97)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mod97_ok(s: &str) -> bool {
        let body: u64 = s[..8].parse().expect("digits");
        let check: u64 = s[8..].parse().expect("digits");
        check == 97 - body % 97
    }

    #[test]
    fn generated_belgian_numbers_pass_or_fail_mod97_as_asked() {
        let mut rng = Rng::new(7);
        for _ in 0..500 {
            let good = be_enterprise_number(&mut rng);
            assert_eq!(good.len(), 10);
            assert!(good.starts_with('0') || good.starts_with('1'));
            assert!(mod97_ok(&good), "{good}");
            let bad = be_invalid_number(&mut rng);
            assert_eq!(bad.len(), 10);
            assert!(!mod97_ok(&bad), "{bad}");
        }
    }

    #[test]
    fn french_vat_key_matches_the_worked_example() {
        assert_eq!(fr_vat("732829320"), "FR44732829320");
    }
}
