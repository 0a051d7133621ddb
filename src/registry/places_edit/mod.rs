//! Places that change (M1, M2): the street creates and renames its communities; a community's
//! head creates and edits its compounds, buildings and units; a new compound below half
//! occupancy is recorded in the custody (代管) of an adjacent community, and once half its homes
//! are moved into, the street sets up its own committee: a new community takes the compound over,
//! with the day it was set up. Each write checks its rules inside its transaction
//! ([`rules`](super::rules), `docs/rules.md` P1, P5–P8) and leaves its audit entry there.

pub mod api;
pub mod buildings;
pub mod communities;
pub mod compounds;
pub mod web;

use crate::auth::{Action, Ctx, Place, Target};
use crate::platform::error::AppError;

crate::workflow_state! {
    /// Where a compound stands with its committee (M2), read from its record.
    pub enum Custody {
        /// A compound of its community, served by the community's committee.
        Own = "own",
        /// A new compound held in custody (代管) by an adjacent community until it has a
        /// committee.
        InCustody = "in_custody",
        /// Its own committee is set up: it passed from its custodian to a community of its own.
        SetUp = "set_up",
    }
}

impl Custody {
    pub fn of(custodial: bool, has_committee: bool, set_up: bool) -> Custody {
        match (custodial, has_committee || set_up) {
            (true, false) => Custody::InCustody,
            (_, true) if set_up => Custody::SetUp,
            _ => Custody::Own,
        }
    }
}

/// A compound or what is below it is managed by its community's head, or by the street.
fn manage(ctx: &Ctx, place: Place) -> Result<(), AppError> {
    let target = Target::At(place);
    ctx.require(Action::PlacesManage, target)
        .or_else(|_| ctx.require(Action::CommunitiesManage, target))
        .map(|_| ())
}

/// The door for a place not yet found (a form without its community, an unknown compound): the
/// caller manages places somewhere, or 401/403 before anything they sent is read.
pub(crate) fn manages_somewhere(ctx: &Ctx) -> Result<(), AppError> {
    if ctx.scopes(Action::PlacesManage).is_empty()
        && ctx.scopes(Action::CommunitiesManage).is_empty()
    {
        ctx.require(Action::PlacesManage, Target::System)?;
        return Err(AppError::forbidden());
    }
    Ok(())
}

/// A count typed on a form or sent in JSON: whole, within `0..=max`.
fn count(field: &'static str, n: i64, min: i64, max: i64) -> Result<i64, AppError> {
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::invalid(field, "places.bad_count")
            .arg("min", min)
            .arg("max", max))
    }
}

/// Occupancy as the property office reports it: homes moved into out of homes, or neither.
fn occupancy(
    homes: Option<i64>,
    moved_in: Option<i64>,
) -> Result<(Option<i64>, Option<i64>), AppError> {
    match (homes, moved_in) {
        (None, None) => Ok((None, None)),
        (Some(h), m) => {
            let h = count("homes", h, 1, 100_000)?;
            let m = count("moved_in", m.unwrap_or(0), 0, 100_000)?;
            if m > h {
                return Err(AppError::invalid(
                    "moved_in",
                    "places.more_moved_in_than_homes",
                ));
            }
            Ok((Some(h), Some(m)))
        }
        (None, Some(_)) => Err(AppError::invalid("homes", "places.homes_needed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custody_reads_from_the_record() {
        assert_eq!(Custody::of(true, false, false), Custody::InCustody);
        assert_eq!(Custody::of(false, true, true), Custody::SetUp);
        assert_eq!(Custody::of(false, false, false), Custody::Own);
        assert_eq!(Custody::of(false, true, false), Custody::Own);
    }

    #[test]
    fn occupancy_needs_homes_and_no_more_moved_in() {
        assert_eq!(occupancy(None, None).unwrap(), (None, None));
        assert_eq!(occupancy(Some(200), None).unwrap(), (Some(200), Some(0)));
        assert_eq!(
            occupancy(Some(200), Some(120)).unwrap(),
            (Some(200), Some(120))
        );
        assert_eq!(
            occupancy(Some(200), Some(201)).unwrap_err().key,
            "places.more_moved_in_than_homes"
        );
        assert_eq!(
            occupancy(None, Some(3)).unwrap_err().field.as_deref(),
            Some("homes")
        );
        assert_eq!(
            occupancy(Some(0), Some(0)).unwrap_err().key,
            "places.bad_count"
        );
    }
}
