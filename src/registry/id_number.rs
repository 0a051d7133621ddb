//! Resident identity card numbers (GB 11643-1999): 6-digit area, 8-digit birth date, 3-digit
//! sequence (odd for men), ISO 7064 MOD 11-2 check character.

use jiff::civil::Date;
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// A checksum-valid 18-character ID number. Parsed once at the edge; never shown unmasked
/// except through an audited reveal.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdNumberError {
    Length,
    Characters,
    BirthDate,
    Checksum,
}

impl IdNumberError {
    /// The message catalog key.
    pub fn key(self) -> &'static str {
        match self {
            IdNumberError::Length => "id_number.length",
            IdNumberError::Characters => "id_number.characters",
            IdNumberError::BirthDate => "id_number.birth_date",
            IdNumberError::Checksum => "id_number.checksum",
        }
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    pub fn parse(s: &str) -> Result<IdNumber, IdNumberError> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 18 {
            return Err(IdNumberError::Length);
        }
        let b = s.as_bytes();
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::Characters);
        }
        let birth = Date::strptime("%Y%m%d", &s[6..14]).map_err(|_| IdNumberError::BirthDate)?;
        if birth.year() < 1900 || birth > crate::platform::time::today() {
            return Err(IdNumberError::BirthDate);
        }
        if check_char(&b[..17]) != b[17] as char {
            return Err(IdNumberError::Checksum);
        }
        Ok(IdNumber(s))
    }

    pub fn birth_date(&self) -> Date {
        Date::strptime("%Y%m%d", &self.0[6..14]).expect("checked at parse")
    }

    /// `male` for an odd sequence digit, `female` for an even one.
    pub fn gender(&self) -> &'static str {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            "male"
        } else {
            "female"
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 3 and last 4 characters: `150***********123X`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }

    /// Builds a valid number from an area code, a birth date and a sequence (the demo data).
    pub fn compose(area: &str, birth: Date, seq: u16) -> IdNumber {
        let first17 = format!("{area}{}{:03}", birth.strftime("%Y%m%d"), seq % 1000);
        let c = check_char(first17.as_bytes());
        IdNumber(format!("{first17}{c}"))
    }
}

/// Keeps the first 3 and the last 4 characters of a value and stars the rest.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_number() {
        // The example number of GB 11643-1999.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.gender(), "female");
        assert_eq!(id.birth_date().to_string(), "1949-12-31");
        assert_eq!(id.masked(), "110***********002X");
    }

    #[test]
    fn refusals() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::Checksum)
        );
        assert_eq!(
            IdNumber::parse("11010519491331002X"),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(IdNumber::parse("1101051949"), Err(IdNumberError::Length));
        assert_eq!(
            IdNumber::parse("11010519491231002Y"),
            Err(IdNumberError::Characters)
        );
    }

    #[test]
    fn composed_numbers_parse() {
        let d = Date::new(1980, 2, 29).unwrap();
        for seq in [1, 2, 999] {
            let id = IdNumber::compose("150102", d, seq);
            assert_eq!(IdNumber::parse(id.as_str()).unwrap(), id);
        }
    }
}
