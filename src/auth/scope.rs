//! Scopes and places: a grant covers a street, a community or a building; every object that
//! belongs somewhere carries its [`Place`] so that a scope can be checked against it.

use serde::Serialize;

/// Where a grant reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Scope {
    #[serde(rename = "street_id")]
    Street(i64),
    #[serde(rename = "community_id")]
    Community(i64),
    #[serde(rename = "building_id")]
    Building(i64),
}

/// Where an object sits, with every level above it known.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub street_id: Option<i64>,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
}

impl Place {
    pub fn street(id: i64) -> Place {
        Place {
            street_id: Some(id),
            ..Place::default()
        }
    }
}

/// What an action is done to: the system as a whole (accounts, the audit log) or something
/// that sits in a place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    System,
    At(Place),
}

impl Scope {
    pub fn contains(&self, place: &Place) -> bool {
        match *self {
            Scope::Street(s) => place.street_id == Some(s),
            Scope::Community(c) => place.community_id == Some(c),
            Scope::Building(b) => place.building_id == Some(b),
        }
    }

    /// The place the scope itself names (its own level and nothing below).
    pub fn place(&self) -> Place {
        match *self {
            Scope::Street(s) => Place::street(s),
            Scope::Community(c) => Place {
                community_id: Some(c),
                ..Place::default()
            },
            Scope::Building(b) => Place {
                building_id: Some(b),
                ..Place::default()
            },
        }
    }

    pub fn from_columns(
        street: Option<i64>,
        community: Option<i64>,
        building: Option<i64>,
    ) -> Option<Scope> {
        match (street, community, building) {
            (_, _, Some(b)) => Some(Scope::Building(b)),
            (_, Some(c), None) => Some(Scope::Community(c)),
            (Some(s), None, None) => Some(Scope::Street(s)),
            _ => None,
        }
    }

    pub fn columns(&self) -> (Option<i64>, Option<i64>, Option<i64>) {
        match *self {
            Scope::Street(s) => (Some(s), None, None),
            Scope::Community(c) => (None, Some(c), None),
            Scope::Building(b) => (None, None, Some(b)),
        }
    }
}

/// The SQL condition that keeps rows inside any of `scopes`, given the row's street, community
/// and (if it has one) building columns. `None` when no scope reaches such rows.
pub fn scope_condition(
    scopes: &[Scope],
    street_col: &str,
    community_col: &str,
    building_col: Option<&str>,
) -> Option<(String, Vec<crate::platform::db::Val>)> {
    use crate::platform::db::Val;
    let mut parts = Vec::new();
    let mut vals = Vec::new();
    for s in scopes {
        match (*s, building_col) {
            (Scope::Street(id), _) => {
                parts.push(format!("{street_col} = ?"));
                vals.push(Val::I(id));
            }
            (Scope::Community(id), _) => {
                parts.push(format!("{community_col} = ?"));
                vals.push(Val::I(id));
            }
            (Scope::Building(id), Some(b)) => {
                parts.push(format!("{b} = ?"));
                vals.push(Val::I(id));
            }
            (Scope::Building(_), None) => {}
        }
    }
    (!parts.is_empty()).then(|| (parts.join(" OR "), vals))
}

/// The scope filter for a list: where the caller may do `action`, on tables with street,
/// community and (optionally) building columns.
pub fn scoped(
    ctx: &super::Ctx,
    actions: &[super::Action],
    building_col: Option<&str>,
) -> Result<crate::platform::db::Filter, crate::platform::error::AppError> {
    let scopes: Vec<Scope> = actions.iter().flat_map(|a| ctx.scopes(*a)).collect();
    let Some((cond, vals)) =
        scope_condition(&scopes, "t.street_id", "t.community_id", building_col)
    else {
        ctx.require(actions[0], super::Target::System)?;
        return Err(crate::platform::error::AppError::forbidden());
    };
    let mut f = crate::platform::db::Filter::default();
    f.and(&cond, vals);
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_by_level() {
        let p = Place {
            street_id: Some(1),
            community_id: Some(2),
            building_id: Some(3),
        };
        assert!(Scope::Street(1).contains(&p));
        assert!(Scope::Community(2).contains(&p));
        assert!(Scope::Building(3).contains(&p));
        assert!(!Scope::Community(4).contains(&p));
        assert!(!Scope::Building(3).contains(&Place {
            building_id: None,
            ..p
        }));
    }
}
