//! The registry (M1–M4): street → community → compound → building → unit → household →
//! resident. This issue brings the places, the identity newtypes and the lookups every other
//! area scopes by; lists, ledgers and imports arrive with the registry issue.

pub mod id_number;
pub mod phone;
pub mod places;
