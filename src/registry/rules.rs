//! The source documents' rules on the registry: M2 (a compound at half occupancy needs its own
//! committee) and M3 (more than 50 party members make a general branch; building branches of
//! about 20).

use serde::Serialize;
use utoipa::ToSchema;

/// M2: a custodial compound without a committee of its own, at 50% occupancy or more.
pub fn needs_committee(custodial: bool, has_committee: bool, occupied: i64, total: i64) -> bool {
    custodial && !has_committee && total > 0 && occupied * 2 >= total
}

/// M3: the form of the community's party organization.
pub fn party_form(members: i64) -> &'static str {
    if members > 50 {
        "general_branch"
    } else {
        "branch"
    }
}

/// M3 flagged (P10): a community-level party organization registered in another form than its
/// members call for. Building branches are not the community's own and are never flagged.
pub fn contradicts_party_form(registered: &str, members: i64) -> bool {
    matches!(registered, "general_branch" | "branch") && registered != party_form(members)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct BuildingBranch {
    /// Building ids, adjacent in the community's order.
    pub buildings: Vec<i64>,
    pub members: i64,
}

/// Groups adjacent buildings (given in order with their party members) into branches of about
/// `target` members: a group closes once it reaches the target; a last group under half the
/// target joins the one before it.
pub fn building_branches(buildings: &[(i64, i64)], target: i64) -> Vec<BuildingBranch> {
    let mut out: Vec<BuildingBranch> = Vec::new();
    let mut cur = BuildingBranch {
        buildings: vec![],
        members: 0,
    };
    for &(id, n) in buildings {
        cur.buildings.push(id);
        cur.members += n;
        if cur.members >= target {
            out.push(std::mem::replace(
                &mut cur,
                BuildingBranch {
                    buildings: vec![],
                    members: 0,
                },
            ));
        }
    }
    if cur.members > 0 {
        match out.last_mut() {
            Some(last) if cur.members * 2 < target => {
                last.buildings.extend(cur.buildings);
                last.members += cur.members;
            }
            _ => out.push(cur),
        }
    } else if let Some(last) = out.last_mut() {
        last.buildings.extend(cur.buildings);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_occupancy_needs_a_committee() {
        assert!(needs_committee(true, false, 50, 100));
        assert!(!needs_committee(true, false, 49, 100));
        assert!(
            !needs_committee(false, false, 90, 100),
            "a compound of a community has one"
        );
        assert!(!needs_committee(true, true, 90, 100));
        assert!(!needs_committee(true, false, 0, 0));
    }

    #[test]
    fn party_form_by_members() {
        assert_eq!(party_form(50), "branch");
        assert_eq!(party_form(51), "general_branch");
    }

    #[test]
    fn a_registered_form_against_the_rule() {
        assert!(contradicts_party_form("general_branch", 50));
        assert!(contradicts_party_form("branch", 51));
        assert!(!contradicts_party_form("branch", 50));
        assert!(!contradicts_party_form("general_branch", 51));
        assert!(!contradicts_party_form("building_branch", 200));
    }

    #[test]
    fn branches_of_about_twenty() {
        let b = building_branches(&[(1, 8), (2, 7), (3, 6), (4, 12), (5, 9), (6, 3)], 20);
        assert_eq!(
            b,
            vec![
                BuildingBranch {
                    buildings: vec![1, 2, 3],
                    members: 21
                },
                BuildingBranch {
                    buildings: vec![4, 5, 6],
                    members: 24
                },
            ]
        );
        let b = building_branches(&[(1, 25), (2, 15)], 20);
        assert_eq!(
            b.len(),
            2,
            "15 is more than half of 20: a branch of its own"
        );
        assert!(building_branches(&[], 20).is_empty());
    }
}
