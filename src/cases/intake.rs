//! Filing a case: from a resident's phone (signed in, or anonymous with a tracking code), a
//! building leader's quick report, a worker at the reception room or on patrol.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use super::store::{self, Category};
use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Place, Role, Target};
use crate::platform::AppState;
use crate::platform::db::Tx;
use crate::platform::error::AppError;
use crate::platform::time;
use crate::registry::phone::Phone;

pub const CHANNELS: &[&str] = &[
    "web",
    "web_anonymous",
    "quick_report",
    "reception",
    "patrol",
    "open311",
    "association",
    "virtual_reception",
];

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct CaseInput {
    /// A category code, e.g. `public_facility` or `repairs`.
    pub category: String,
    pub description: String,
    #[serde(default)]
    pub address: String,
    pub building_id: Option<i64>,
    /// Needed when neither `building_id` nor the account's household says where.
    pub community_id: Option<i64>,
    /// For staff entering a visitor's case: `reception` or `patrol`.
    pub channel: Option<String>,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_phone: String,
    /// Where, as the filer's device gives it (WGS84 latitude); with `long`, or neither.
    #[serde(default)]
    pub lat: Option<f64>,
    /// WGS84 longitude; with `lat`, or neither.
    #[serde(default)]
    pub long: Option<f64>,
}

/// A position given as both coordinates within range, or none.
pub fn position(lat: Option<f64>, long: Option<f64>) -> Result<Option<(f64, f64)>, AppError> {
    let ok = |v: f64, max: f64| v.is_finite() && v.abs() <= max;
    match (lat, long) {
        (None, None) => Ok(None),
        (Some(a), Some(o)) if ok(a, 90.0) && ok(o, 180.0) => Ok(Some((a, o))),
        (Some(a), _) if !ok(a, 90.0) => Err(AppError::invalid("lat", "cases.bad_position")),
        (_, Some(o)) if !ok(o, 180.0) => Err(AppError::invalid("long", "cases.bad_position")),
        (None, _) => Err(AppError::invalid("lat", "cases.position_half")),
        _ => Err(AppError::invalid("long", "cases.position_half")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Filed {
    pub id: i64,
    /// The only handle on an anonymous case: keep it to follow the case at /track.
    pub tracking_code: String,
    pub status: super::model::CaseStatus,
    /// End of the last working day, RFC 3339 with +08:00.
    pub deadline: String,
    /// Set when the deadline was counted across a year whose holidays are not announced yet
    /// (only weekends and the holidays fixed by date in law were skipped there): an estimate.
    pub deadline_uncovered_year: Option<i16>,
}

/// Where the case is: the building given, the community given, or the resident's own building.
async fn place_of(state: &AppState, ctx: &Ctx, i: &CaseInput) -> Result<Place, AppError> {
    let pool = state.db.read();
    if let Some(b) = i.building_id {
        return crate::registry::places::place_of_building(pool, b)
            .await?
            .ok_or_else(|| AppError::invalid("building_id", "input.unknown_building"));
    }
    // A resident's own building, unless they name another community.
    if let Some(rid) = ctx.user.as_ref().and_then(|u| u.resident_id)
        && let Some(r) = crate::registry::residents::get(pool, rid).await?
        && i.community_id.is_none_or(|c| c == r.community_id)
    {
        return Ok(r.place());
    }
    if let Some(c) = i.community_id {
        return crate::registry::places::place_of_community(pool, c)
            .await?
            .ok_or_else(|| AppError::invalid("community_id", "input.unknown_community"));
    }
    Err(AppError::invalid("community_id", "cases.where"))
}

fn channel_for(ctx: &Ctx, asked: Option<&str>) -> Result<String, AppError> {
    if ctx.user.is_none() {
        return Ok(if asked == Some("virtual_reception") {
            "virtual_reception"
        } else {
            "web_anonymous"
        }
        .into());
    }
    let staff = ctx.has_role(Role::CommunityWorker) || ctx.has_role(Role::CommunityHead);
    match asked {
        Some(c @ ("reception" | "patrol")) if staff => Ok(c.into()),
        // The virtual reception room's consultations, from anyone signed in.
        Some("virtual_reception") => Ok("virtual_reception".into()),
        Some("quick_report") if ctx.has_role(Role::BuildingLeader) => Ok("quick_report".into()),
        Some("web") | None => Ok(if ctx.has_role(Role::BuildingLeader) && asked.is_none() {
            "quick_report"
        } else {
            "web"
        }
        .into()),
        Some(_) => Err(AppError::invalid("channel", "cases.bad_channel")),
    }
}

/// A trusted integration filing through Open311 with its key: bound to one community, not
/// rate-limited, public categories only.
#[derive(Clone, Debug)]
pub struct Integration {
    pub key_id: i64,
    pub community_id: i64,
    pub label: String,
    /// Cases this key may file per minute, if the operator set a limit.
    pub per_minute: Option<i64>,
}

/// Files a case after every check; returns what the submitter keeps.
pub async fn file(state: &AppState, ctx: &Ctx, i: &CaseInput) -> Result<Filed, AppError> {
    file_from(state, ctx, i, None).await
}

/// Files a case for a person (`integration` None) or an Open311 integration.
pub async fn file_from(
    state: &AppState,
    ctx: &Ctx,
    i: &CaseInput,
    integration: Option<&Integration>,
) -> Result<Filed, AppError> {
    let ready = prepare(state, ctx, i, integration).await?;
    let mut tx = state.db.begin().await?;
    let filed = insert(&mut tx, &ready).await?;
    tx.commit().await?;
    Ok(filed)
}

/// Files a case from the report page with the photo taken in the same form: the photo is
/// checked and cleaned before anything is stored (a bad photo files nothing and keeps what was
/// typed), and recorded in the case's own transaction, so the two are kept or lost together.
pub async fn file_with_photo(
    state: &AppState,
    ctx: &Ctx,
    i: &CaseInput,
    photo: Option<axum::body::Bytes>,
) -> Result<Filed, AppError> {
    let Some(photo) = photo else {
        return file(state, ctx, i).await;
    };
    let ready = prepare(state, ctx, i, None).await?;
    let saved = super::photos::save(state, photo)?;
    let stored = async {
        let mut tx = state.db.begin().await?;
        let filed = insert(&mut tx, &ready).await?;
        super::photos::attach(&mut tx, ctx, filed.id, ready.place, &saved).await?;
        tx.commit().await?;
        Ok::<_, AppError>(filed)
    };
    stored.await.inspect_err(|_| saved.discard())
}

/// A case that passed every check, ready to be stored.
pub struct Prepared {
    community: i64,
    place: Place,
    category: String,
    sensitive: bool,
    channel: String,
    description: String,
    address: String,
    submitter: Option<i64>,
    contact_name: String,
    phone: String,
    ip: String,
    key_id: Option<i64>,
    /// The association on whose behalf it is filed (an opinion or proposal, M11).
    body_id: Option<i64>,
    /// For a walk-in at the reception room: who was on duty (M15).
    receptionist: Option<i64>,
    actor: crate::audit::Actor,
    deadline: jiff::Timestamp,
    deadline_uncovered_year: Option<i16>,
    position: Option<(f64, f64)>,
    now: jiff::Timestamp,
}

/// Every check of a case to be filed (reads only): done before the transaction that stores it,
/// so that no transaction waits on a read (on PostgreSQL, reads and writes share one pool).
pub async fn prepare(
    state: &AppState,
    ctx: &Ctx,
    i: &CaseInput,
    integration: Option<&Integration>,
) -> Result<Prepared, AppError> {
    prepare_with(state, ctx, i, integration, None).await
}

/// An association's opinion or proposal to the committee (M11), filed by one of its members
/// (checked by the caller, `council::associations`) and answered like any case. Its category is
/// of kind `proposal`, which no other path may file.
pub async fn prepare_proposal(
    state: &AppState,
    ctx: &Ctx,
    i: &CaseInput,
    association: i64,
) -> Result<Prepared, AppError> {
    prepare_with(state, ctx, i, None, Some(association)).await
}

async fn prepare_with(
    state: &AppState,
    ctx: &Ctx,
    i: &CaseInput,
    integration: Option<&Integration>,
    association: Option<i64>,
) -> Result<Prepared, AppError> {
    let description = i.description.trim();
    if description.is_empty() {
        return Err(AppError::invalid(
            "description",
            "cases.description_required",
        ));
    }
    if description.chars().count() > 2000 {
        return Err(AppError::invalid(
            "description",
            "cases.description_too_long",
        ));
    }
    if i.address.chars().count() > 200 {
        return Err(AppError::invalid("address", "cases.address_too_long"));
    }
    let phone = match i.contact_phone.trim() {
        "" => String::new(),
        p => Phone::parse(p)
            .map_err(|k| AppError::invalid("contact_phone", k))?
            .as_str()
            .to_owned(),
    };
    let position = position(i.lat, i.long)?;
    let place = match integration {
        // An integration files in its key's community, at one of its buildings if it names one.
        Some(k) => match i.building_id {
            Some(b) => crate::registry::places::place_of_building(state.db.read(), b)
                .await?
                .filter(|p| p.community_id == Some(k.community_id))
                .ok_or_else(|| AppError::invalid("building_id", "input.unknown_building"))?,
            None => crate::registry::places::place_of_community(state.db.read(), k.community_id)
                .await?
                .ok_or_else(AppError::not_found)?,
        },
        None => place_of(state, ctx, i).await?,
    };
    let community = place
        .community_id
        .expect("places of cases have a community");
    let categories = store::categories(state.db.read(), community).await?;
    let Some(cat): Option<&Category> = categories.iter().find(|c| c.code == i.category) else {
        return Err(
            AppError::invalid("category", "cases.unknown_category").arg("code", &i.category)
        );
    };
    if (cat.kind == "proposal") != association.is_some() {
        return Err(AppError::invalid("category", "cases.proposal_only"));
    }
    let channel = if integration.is_some() {
        "open311".to_owned()
    } else if association.is_some() {
        "association".to_owned()
    } else {
        channel_for(ctx, i.channel.as_deref())?
    };
    match (&ctx.user, integration) {
        // An association's member files for it; `council::associations` checked the membership.
        (Some(_), None) if association.is_some() => {}
        (None, None) | (_, Some(_)) if !cat.public_intake => {
            return Err(AppError::invalid("category", "cases.not_public"));
        }
        (_, Some(k)) => super::limits::key_limit(state, k).await?,
        (None, None) => super::limits::anonymous_limit(state, &ctx.ip).await?,
        (Some(_), None) => {
            ctx.require(Action::CaseSubmit, Target::At(place))?;
        }
    }
    let actor = match integration {
        Some(k) => crate::audit::Actor {
            id: None,
            name: format!("open311:{}", k.label),
            role: "integration".into(),
            ip: ctx.ip.clone(),
        },
        None => ctx.actor(),
    };
    super::limits::duplicate_check(state, ctx, &i.category, description).await?;
    let receptionist = if channel == "reception" {
        super::reception::on_duty_today(state.db.read(), community).await?
    } else {
        None
    };
    let now = time::now();
    let (deadline, deadline_uncovered_year) =
        store::deadline(&state.calendar, now, cat.deadline_days);
    Ok(Prepared {
        community,
        place,
        category: cat.code.clone(),
        sensitive: cat.sensitive,
        channel,
        description: description.to_owned(),
        address: i.address.trim().to_owned(),
        submitter: ctx.user.as_ref().map(|u| u.id),
        contact_name: i.contact_name.trim().to_owned(),
        phone,
        ip: ctx.ip.clone(),
        key_id: integration.map(|k| k.key_id),
        body_id: association,
        receptionist,
        actor,
        deadline,
        deadline_uncovered_year,
        position,
        now,
    })
}

/// Stores a prepared case inside `tx`, with its timeline's first step and its audit entry: a
/// record that files cases along with itself (a patrol's findings, a visit's follow-ups) keeps
/// them or loses them together.
pub async fn insert(tx: &mut Tx, p: &Prepared) -> Result<Filed, AppError> {
    let code = super::model::tracking_code();
    let id: i64 = sqlx::query(
        "INSERT INTO cases (community_id, building_id, category, sensitive, channel, status, description, address, submitter_user_id, \
         contact_name, contact_phone, client_ip, tracking_code, deadline, created_at, updated_at, open311_key_id, body_id, receptionist_id, \
         deadline_uncovered_year, lat, lng) VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
    )
    .bind(p.community)
    .bind(p.place.building_id)
    .bind(&p.category)
    .bind(i64::from(p.sensitive))
    .bind(&p.channel)
    .bind(&p.description)
    .bind(&p.address)
    .bind(p.submitter)
    .bind(&p.contact_name)
    .bind(&p.phone)
    .bind(&p.ip)
    .bind(&code)
    .bind(time::to_db(p.deadline))
    .bind(time::to_db(p.now))
    .bind(p.key_id)
    .bind(p.body_id)
    .bind(p.receptionist)
    .bind(p.deadline_uncovered_year.map(i64::from))
    .bind(p.position.map(|x| x.0))
    .bind(p.position.map(|x| x.1))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    store::add_event(tx, id, &p.actor.name, "submit", "", "submitted", "", true).await?;
    if p.category == "instability" {
        super::notify::instability_to_street(
            tx,
            p.community,
            p.place.street_id,
            id,
            &time::to_db(p.now),
        )
        .await?;
    }
    audit::record(
        tx,
        &p.actor,
        Entry::new("case.submit", "case", id)
            .at(p.place)
            .detail(format!("{} via {}", p.category, p.channel)),
    )
    .await?;
    Ok(Filed {
        id,
        tracking_code: code,
        status: super::model::CaseStatus::Submitted,
        deadline: time::rfc3339_shanghai(p.deadline),
        deadline_uncovered_year: p.deadline_uncovered_year,
    })
}
