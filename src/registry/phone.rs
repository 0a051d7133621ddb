//! Mainland mobile numbers: 11 digits starting 13–19.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, &'static str> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_owned();
        let b = digits.as_bytes();
        if b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
        {
            Ok(Phone(digits))
        } else {
            Err("phone.invalid")
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `138****5678`.
    pub fn masked(&self) -> String {
        super::id_number::mask(&self.0)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn parse_and_mask() {
        let p = super::Phone::parse("+86 138-1234-5678").unwrap();
        assert_eq!(p.as_str(), "13812345678");
        assert_eq!(p.masked(), "138****5678");
        assert!(super::Phone::parse("12812345678").is_err());
        assert!(super::Phone::parse("1381234567").is_err());
    }
}
