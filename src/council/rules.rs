//! The composition rules (M5, M6, M10), checked before anyone is seated; each refusal names its
//! rule.

use sqlx::Row;

use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;

crate::workflow_state! {
    /// The kinds of body (M3, M5, M6, M8, M10, M11, M22): a building's group, the deliberation
    /// council, the supervisory board, the assembly, an association, the street's leading group
    /// (with its office and inspection group as parts of it).
    pub enum BodyKind {
        BuildingGroup = "building_group",
        Council = "council",
        SupervisoryBoard = "supervisory_board",
        Assembly = "assembly",
        Association = "association",
        LeadingGroup = "leading_group",
    }
}
crate::workflow_state! {
    /// A seat's position on its body. The building group's president is its building leader.
    pub enum Position {
        President = "president",
        VicePresident = "vice_president",
        Member = "member",
        Secretary = "secretary",
    }
}

crate::workflow_state! {
    /// How a seat was filled: by an election's result, by appointment, or by office (the
    /// community secretary presiding over the council).
    pub enum SeatSource {
        Elected = "elected",
        Appointed = "appointed",
        ExOfficio = "ex_officio",
        /// Sent to the supervisory board by an association of the community (M11).
        Delegated = "delegated",
    }
}

/// Who is to be seated: a resident, or an account (a cadre who need not live there).
#[derive(Clone, Copy)]
pub struct Seat {
    pub resident_id: Option<i64>,
    pub user_id: Option<i64>,
    pub position: Position,
    pub source: SeatSource,
}

/// The body a seat is in.
pub struct Body {
    pub id: i64,
    pub kind: BodyKind,
    pub community_id: Option<i64>,
}

fn refuse(key: &'static str) -> AppError {
    AppError::invalid("position", key)
}

async fn count(tx: &mut Tx, sql: &str, body: i64) -> Result<i64, AppError> {
    let today = time::today().to_string();
    Ok(sqlx::query(sql)
        .bind(body)
        .bind(&today)
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?)
}

const CURRENT: &str = "ended_at IS NULL AND (term_to IS NULL OR term_to >= $2)";

/// Is the resident the current leader (president of the building group) of a building in the
/// community?
async fn is_building_leader(tx: &mut Tx, resident: i64, community: i64) -> Result<bool, AppError> {
    let today = time::today().to_string();
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM body_members m JOIN bodies b ON b.id = m.body_id WHERE b.kind = 'building_group' \
         AND b.community_id = $3 AND m.position = 'president' AND m.resident_id = $1 \
         AND m.ended_at IS NULL AND (m.term_to IS NULL OR m.term_to >= $2)",
    )
    .bind(resident)
    .bind(&today)
    .bind(community)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

async fn holds_role(
    tx: &mut Tx,
    user: i64,
    community: i64,
    roles: &[&str],
) -> Result<bool, AppError> {
    let today = time::today().to_string();
    let list = roles
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let n: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM grants WHERE user_id = $1 AND community_id = $2 AND role IN ({list}) AND revoked_at IS NULL \
         AND valid_from <= $3 AND (valid_to IS NULL OR valid_to >= $3)"
    ))
    .bind(user)
    .bind(community)
    .bind(&today)
    .fetch_one(&mut **tx)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// A seat recorded by hand (`seats::seat`) is appointed or ex officio: an `elected` seat comes
/// only from an election's announced result (`elections::lifecycle::announce`). The one
/// exception is the council's vice president, chosen from among its elected members, whose
/// seat stays elected.
pub fn seated_by_hand(seat: &Seat) -> Result<(), AppError> {
    if seat.source == SeatSource::Elected && seat.position != Position::VicePresident {
        return Err(AppError::invalid("source", "bodies.elected_by_election"));
    }
    // A delegated seat names the association that sent its member (`associations::delegate`).
    if seat.source == SeatSource::Delegated {
        return Err(AppError::invalid(
            "source",
            "bodies.delegated_by_association",
        ));
    }
    Ok(())
}

/// Checks a seat against the rules of its body; `Ok` means it may be recorded.
pub async fn check(tx: &mut Tx, body: &Body, seat: &Seat) -> Result<(), AppError> {
    let community = body.community_id.unwrap_or_default();
    let current = |extra: &str| {
        format!("SELECT COUNT(*) AS n FROM body_members WHERE body_id = $1 AND {CURRENT} {extra}")
    };
    match body.kind {
        BodyKind::BuildingGroup
            if seat.position == Position::President
                && count(tx, &current("AND position = 'president'"), body.id).await? > 0 =>
        {
            return Err(refuse("bodies.one_leader_per_building"));
        }
        BodyKind::Council => match (seat.position, seat.source) {
            (Position::President, _) => {
                let user = seat
                    .user_id
                    .filter(|_| seat.source == SeatSource::ExOfficio)
                    .ok_or_else(|| refuse("bodies.president_is_secretary"))?;
                if !holds_role(tx, user, community, &["community_head"]).await? {
                    return Err(refuse("bodies.president_is_secretary"));
                }
                if count(tx, &current("AND position = 'president'"), body.id).await? > 0 {
                    return Err(refuse("bodies.one_president"));
                }
                if count(tx, &current("AND source <> 'elected'"), body.id).await? >= 1 {
                    return Err(refuse("bodies.one_cadre"));
                }
            }
            (Position::VicePresident, _) => {
                let resident = seat
                    .resident_id
                    .ok_or_else(|| refuse("bodies.vice_from_members"))?;
                let n: i64 = sqlx::query(&format!(
                    "SELECT COUNT(*) AS n FROM body_members WHERE body_id = $1 AND {CURRENT} AND source = 'elected' AND resident_id = $3"
                ))
                .bind(body.id)
                .bind(time::today().to_string())
                .bind(resident)
                .fetch_one(&mut **tx)
                .await?
                .try_get("n")?;
                if n == 0 || seat.source != SeatSource::Elected {
                    return Err(refuse("bodies.vice_from_members"));
                }
                if count(tx, &current("AND position = 'vice_president'"), body.id).await? > 0 {
                    return Err(refuse("bodies.one_vice_president"));
                }
            }
            (Position::Member, SeatSource::Elected) => {
                let resident = seat
                    .resident_id
                    .ok_or_else(|| refuse("bodies.members_are_leaders"))?;
                if !is_building_leader(tx, resident, community).await? {
                    return Err(refuse("bodies.members_are_leaders"));
                }
                if count(tx, &current("AND source = 'elected'"), body.id).await? >= 10 {
                    return Err(refuse("bodies.ten_members"));
                }
            }
            (Position::Member, _) => {
                let user = seat.user_id.ok_or_else(|| refuse("bodies.one_cadre"))?;
                if !holds_role(tx, user, community, &["community_worker", "community_head"]).await?
                {
                    return Err(refuse("bodies.one_cadre"));
                }
                // The one cadre may be the secretary as president: one non-elected seat in all.
                if count(tx, &current("AND source <> 'elected'"), body.id).await? >= 1 {
                    return Err(refuse("bodies.one_cadre"));
                }
            }
            _ => return Err(refuse("bodies.council_positions")),
        },
        BodyKind::SupervisoryBoard => {
            let resident = seat
                .resident_id
                .ok_or_else(|| refuse("bodies.board_members"))?;
            if !rep_or_association(tx, resident).await? {
                return Err(refuse("bodies.board_members"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Is the resident a resident representative or a member of an association (the supervisory
/// board's constituency, M10)?
async fn rep_or_association(tx: &mut Tx, resident: i64) -> Result<bool, AppError> {
    let row = sqlx::query(
        "SELECT r.rep_resident, (SELECT COUNT(*) FROM body_members m JOIN bodies b ON b.id = m.body_id \
         WHERE b.kind = 'association' AND m.resident_id = r.id AND m.ended_at IS NULL) AS association, \
         (SELECT COUNT(*) FROM social_org_members s JOIN social_orgs o ON o.id = s.org_id WHERE o.kind = '协会' AND s.resident_id = r.id) AS org \
         FROM residents r WHERE r.id = $1",
    )
    .bind(resident)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::invalid("resident_id", "input.not_in_community"))?;
    let rep = row.try_get::<i64, _>("rep_resident")? != 0;
    let member = row.try_get::<i64, _>("association")? + row.try_get::<i64, _>("org")? > 0;
    Ok(rep || member)
}

/// May the resident stand for election to the body (M5, M6, M10)? A living resident of its
/// building or community; for the council, a current building leader; for the supervisory
/// board, a representative or association member.
pub async fn may_stand(
    tx: &mut Tx,
    body: &Body,
    building: Option<i64>,
    resident: i64,
) -> Result<(), AppError> {
    let row = sqlx::query(
        "SELECT community_id, building_id FROM residents WHERE id = $1 AND status = 'living' AND locked_at IS NULL",
    )
    .bind(resident)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::invalid("resident_id", "input.not_in_community"))?;
    let (c, b): (i64, i64) = (row.try_get("community_id")?, row.try_get("building_id")?);
    if body.community_id.is_some_and(|bc| bc != c) || building.is_some_and(|bb| bb != b) {
        return Err(AppError::invalid(
            "resident_id",
            "elections.not_in_constituency",
        ));
    }
    let ok = match body.kind {
        BodyKind::Council => is_building_leader(tx, resident, c).await?,
        BodyKind::SupervisoryBoard => rep_or_association(tx, resident).await?,
        _ => true,
    };
    if ok {
        Ok(())
    } else if body.kind == BodyKind::Council {
        Err(AppError::invalid(
            "resident_id",
            "bodies.members_are_leaders",
        ))
    } else {
        Err(AppError::invalid("resident_id", "bodies.board_members"))
    }
}
