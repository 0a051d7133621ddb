//! Building leaders as 政策文件宣传员: the community sends a policy document to some or all of
//! its buildings; each building's leader passes it to every household and records the
//! household's acknowledgement — visited at the door, or confirmed on the phone — once. Each
//! building's coverage (households acknowledged out of households) shows on the document
//! (rule K4, `acknowledge`).

use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::auth::{Action, Ctx, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::input::{date_or_today, text};
use crate::platform::time;

crate::workflow_state! {
    /// How a household came to know the document: visited (入户送达) or on the phone.
    pub enum AckHow {
        Visited = "visited",
        Phone = "phone",
    }
}

#[derive(Clone, Serialize, ToSchema)]
pub struct BuildingCoverage {
    pub building_id: i64,
    /// 小区 and number.
    pub building: String,
    pub households: i64,
    pub acknowledged: i64,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct PolicyDocument {
    pub id: i64,
    pub community_id: i64,
    pub title: String,
    pub summary: String,
    /// YYYY-MM-DD.
    pub sent_on: String,
    /// The buildings it was sent to (those the reader sees), with their coverage.
    pub buildings: Vec<BuildingCoverage>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct HouseholdAck {
    pub household_id: i64,
    pub address: String,
    /// None until acknowledged.
    pub how: Option<AckHow>,
    pub on_date: Option<String>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct DocumentInput {
    #[serde(default)]
    pub community_id: Option<i64>,
    pub title: String,
    /// What the document says, in a few lines a leader can pass on.
    pub summary: String,
    /// The buildings to send it to; empty for all of the community's.
    #[serde(default)]
    pub building_ids: Vec<i64>,
}

#[derive(Clone, Default, Deserialize, ToSchema)]
pub struct AckInput {
    pub household_id: i64,
    /// visited or phone.
    pub how: String,
    /// YYYY-MM-DD, not in the future; today when empty.
    #[serde(default)]
    pub on_date: Option<String>,
}

/// The buildings the caller may read documents for: a leader's own, or every building of the
/// staff's (and supervisors') communities. `None`: every building of those communities.
fn reach(ctx: &Ctx) -> Result<(Vec<i64>, Vec<i64>), AppError> {
    let mut communities = Vec::new();
    let mut buildings = Vec::new();
    for a in [Action::NotebooksWrite, Action::FieldWorkRead] {
        for s in ctx.scopes(a) {
            match s {
                Scope::Community(c) => communities.push(c),
                Scope::Building(b) => buildings.push(b),
                Scope::Street(_) => {}
            }
        }
    }
    if communities.is_empty() && buildings.is_empty() {
        ctx.require(Action::FieldWorkRead, Target::System)?;
        return Err(AppError::forbidden());
    }
    Ok((communities, buildings))
}

async fn coverage(
    state: &AppState,
    document: i64,
    communities: &[i64],
    buildings: &[i64],
) -> Result<Vec<BuildingCoverage>, AppError> {
    let rows = sqlx::query(
        "SELECT b.id, k.name || ' ' || b.number AS name, b.community_id, \
         (SELECT COUNT(*) FROM households h WHERE h.building_id = b.id) AS households, \
         (SELECT COUNT(*) FROM policy_acknowledgements a WHERE a.document_id = $1 AND a.building_id = b.id) AS acknowledged \
         FROM policy_document_buildings d JOIN buildings b ON b.id = d.building_id JOIN compounds k ON k.id = b.compound_id \
         WHERE d.document_id = $1 ORDER BY k.name, b.id",
    )
    .bind(document)
    .fetch_all(state.db.read())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let (id, community): (i64, i64) = (r.try_get("id")?, r.try_get("community_id")?);
        if communities.contains(&community) || buildings.contains(&id) {
            out.push(BuildingCoverage {
                building_id: id,
                building: r.try_get("name")?,
                households: r.try_get("households")?,
                acknowledged: r.try_get("acknowledged")?,
            });
        }
    }
    Ok(out)
}

/// The documents sent to buildings the caller may read, newest first, with their coverage.
pub async fn documents(state: &AppState, ctx: &Ctx) -> Result<Vec<PolicyDocument>, AppError> {
    let (mut communities, buildings) = reach(ctx)?;
    let mut all = communities.clone();
    for b in &buildings {
        if let Some(p) = crate::registry::places::place_of_building(state.db.read(), *b).await? {
            all.extend(p.community_id);
        }
    }
    all.sort_unstable();
    all.dedup();
    communities.sort_unstable();
    let sql = format!(
        "SELECT id, community_id, title, summary, sent_on FROM policy_documents WHERE community_id IN ({}) \
         ORDER BY sent_on DESC, id DESC LIMIT 200",
        crate::platform::db::placeholders(0, all.len())
    );
    let mut q = sqlx::query(&sql);
    for c in &all {
        q = q.bind(*c);
    }
    let rows = q.fetch_all(state.db.read()).await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let covered = coverage(state, id, &communities, &buildings).await?;
        if covered.is_empty() {
            continue;
        }
        out.push(PolicyDocument {
            id,
            community_id: r.try_get("community_id")?,
            title: r.try_get("title")?,
            summary: r.try_get("summary")?,
            sent_on: r.try_get("sent_on")?,
            buildings: covered,
        });
    }
    Ok(out)
}

/// One document as the caller may read it, or 404.
pub async fn document(state: &AppState, ctx: &Ctx, id: i64) -> Result<PolicyDocument, AppError> {
    documents(state, ctx)
        .await?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(AppError::not_found)
}

/// A building's households and whether each has acknowledged the document.
pub async fn households(
    state: &AppState,
    document: i64,
    building: i64,
) -> Result<Vec<HouseholdAck>, AppError> {
    let rows = sqlx::query(
        "SELECT h.id, h.address, a.how, a.on_date FROM households h \
         LEFT JOIN policy_acknowledgements a ON a.household_id = h.id AND a.document_id = $1 \
         WHERE h.building_id = $2 ORDER BY h.address",
    )
    .bind(document)
    .bind(building)
    .fetch_all(state.db.read())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HouseholdAck {
                household_id: r.try_get("id")?,
                address: r.try_get("address")?,
                how: r.try_get("how")?,
                on_date: r.try_get("on_date")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Sends a document to buildings of the community (all of them when none are named).
pub async fn send(state: &AppState, ctx: &Ctx, i: &DocumentInput) -> Result<i64, AppError> {
    let place =
        crate::registry::places::community_place(state, ctx, Action::FieldWork, i.community_id)
            .await?;
    ctx.require(Action::FieldWork, Target::At(place))?;
    let community = place.community_id.unwrap_or_default();
    let title = text("title", &i.title, 100)?;
    let summary = text("summary", &i.summary, 2000)?;
    let all: Vec<i64> = sqlx::query("SELECT id FROM buildings WHERE community_id = $1 ORDER BY id")
        .bind(community)
        .fetch_all(state.db.read())
        .await?
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let chosen = if i.building_ids.is_empty() {
        all.clone()
    } else {
        let mut b = i.building_ids.clone();
        b.sort_unstable();
        b.dedup();
        if b.iter().any(|x| !all.contains(x)) {
            return Err(AppError::invalid("building_ids", "daily.policy_building"));
        }
        b
    };
    if chosen.is_empty() {
        return Err(AppError::invalid("building_ids", "daily.policy_building"));
    }
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO policy_documents (community_id, title, summary, sent_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(community)
    .bind(&title)
    .bind(&summary)
    .bind(time::today().to_string())
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for b in &chosen {
        sqlx::query(
            "INSERT INTO policy_document_buildings (document_id, building_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(b)
        .execute(&mut *tx)
        .await?;
    }
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("policy.send", "policy_document", id)
            .at(place)
            .detail(format!("{} buildings", chosen.len())),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// K4: a household's acknowledgement, recorded by the leader of its building (or staff of the
/// community), for a document sent to that building, on a day not to come, once per household.
/// Returns the household's address.
pub async fn acknowledge(
    state: &AppState,
    ctx: &Ctx,
    document: i64,
    i: &AckInput,
) -> Result<String, AppError> {
    ctx.require(Action::NotebooksWrite, Target::System)?;
    let h = sqlx::query("SELECT building_id, address FROM households WHERE id = $1")
        .bind(i.household_id)
        .fetch_optional(state.db.read())
        .await?
        .ok_or_else(|| AppError::invalid("household_id", "daily.pick_household"))?;
    let building: i64 = h.try_get("building_id")?;
    let place = crate::registry::places::place_of_building(state.db.read(), building)
        .await?
        .ok_or_else(|| AppError::invalid("household_id", "daily.pick_household"))?;
    ctx.require(Action::NotebooksWrite, Target::At(place))?;
    let how: AckHow = i
        .how
        .parse()
        .map_err(|_| AppError::invalid("how", "daily.policy_how"))?;
    let on = date_or_today("on_date", i.on_date.as_deref())?;
    let mut tx = state.db.begin().await?;
    let sent: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM policy_document_buildings WHERE document_id = $1 AND building_id = $2",
    )
    .bind(document)
    .bind(building)
    .fetch_one(&mut *tx)
    .await?
    .try_get("n")?;
    if sent == 0 {
        return Err(AppError::invalid("household_id", "daily.policy_not_sent"));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO policy_acknowledgements (document_id, household_id, building_id, how, on_date, recorded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(document)
    .bind(i.household_id)
    .bind(building)
    .bind(how)
    .bind(on.to_string())
    .bind(ctx.signed_in()?.id)
    .bind(time::now_db())
    .fetch_one(&mut *tx)
    .await
    .map_err(crate::platform::db::unique_or(AppError::conflict(
        "daily.policy_acknowledged_already",
    )))?
    .try_get("id")?;
    audit::record(
        &mut tx,
        &ctx.actor(),
        Entry::new("policy.acknowledge", "policy_document", document)
            .at(place)
            .detail(format!(
                "acknowledgement {id}: household {} {how}",
                i.household_id
            )),
    )
    .await?;
    tx.commit().await?;
    Ok(h.try_get("address")?)
}
