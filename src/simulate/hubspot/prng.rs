//! Deterministic helpers of the seed: a splitmix64 PRNG, Luhn, SIRETs, slugs.

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        &items[i.min(items.len().saturating_sub(1))]
    }
    pub fn digits(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.below(10)) as u8).collect()
    }
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
#[cfg_attr(not(test), allow(dead_code))]
pub fn luhn_valid(s: &str) -> bool {
    let digits: Option<Vec<u8>> = s.chars().map(|c| c.to_digit(10).map(|d| d as u8)).collect();
    match digits {
        Some(d) if !d.is_empty() => d.last().copied() == Some(luhn_check_digit(&d[..d.len() - 1])),
        _ => false,
    }
}

/// A SIRET whose SIREN and whole 14 digits are Luhn-valid (never La Poste's SIREN).
pub fn siret(rng: &mut Rng) -> String {
    loop {
        let mut d = rng.digits(8);
        if d[0] == 0 {
            d[0] = 1 + (rng.below(9) as u8);
        }
        d.push(luhn_check_digit(&d));
        d.extend([0, 0, 0, 1 + (rng.below(5) as u8)]);
        d.push(luhn_check_digit(&d));
        let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
        if !s.starts_with("356000000") {
            return s;
        }
    }
}

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
