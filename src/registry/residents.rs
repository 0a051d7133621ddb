//! Residents: the record, its parsing at the edge, its masked and revealed views, and its SQL.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use utoipa::{IntoParams, ToSchema};

use super::id_number::{IdNumber, mask};
use super::phone::Phone;
use crate::auth::{Place, Scope, scope::scope_condition};
use crate::platform::db::{Filter, Tx, Val, bind_vals, like_pattern};
use crate::platform::error::AppError;
use crate::platform::time;

pub const POLITICAL: &[&str] = &[
    "party_member",
    "probationary_member",
    "league_member",
    "masses",
    "other_party",
    "non_party",
];
pub const STATUSES: &[&str] = &["living", "moved_out", "deceased"];

/// A resident as stored (full ID number and phone: never serialized as such).
#[derive(Clone, Debug)]
pub struct Resident {
    pub id: i64,
    pub street_id: i64,
    pub community_id: i64,
    pub compound_id: i64,
    pub building_id: i64,
    pub household_id: i64,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub ethnicity: String,
    pub political_status: String,
    pub rep_party: bool,
    pub rep_npc: bool,
    pub rep_cppcc: bool,
    pub rep_resident: bool,
    pub moved_in: String,
    pub moved_out: Option<String>,
    pub status: String,
    pub address: String,
}

impl Resident {
    pub fn place(&self) -> Place {
        Place {
            street_id: Some(self.street_id),
            community_id: Some(self.community_id),
            building_id: Some(self.building_id),
        }
    }

    /// The view for an API or page: ID number and phone masked unless revealed.
    pub fn view(&self, reveal_id: bool, reveal_phone: bool) -> ResidentView {
        ResidentView {
            id: self.id,
            community_id: self.community_id,
            compound_id: self.compound_id,
            building_id: self.building_id,
            household_id: self.household_id,
            name: self.name.clone(),
            gender: self.gender.clone(),
            birth_date: self.birth_date.clone(),
            id_number: if reveal_id {
                self.id_number.clone()
            } else {
                mask(&self.id_number)
            },
            phone: if reveal_phone || self.phone.is_empty() {
                self.phone.clone()
            } else {
                mask(&self.phone)
            },
            ethnicity: self.ethnicity.clone(),
            political_status: self.political_status.clone(),
            rep_party: self.rep_party,
            rep_npc: self.rep_npc,
            rep_cppcc: self.rep_cppcc,
            rep_resident: self.rep_resident,
            moved_in: self.moved_in.clone(),
            moved_out: self.moved_out.clone(),
            status: self.status.clone(),
            address: self.address.clone(),
        }
    }
}

/// A resident as shown: `id_number` and `phone` masked (first 3 + last 4) unless revealed.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ResidentView {
    pub id: i64,
    pub community_id: i64,
    pub compound_id: i64,
    pub building_id: i64,
    pub household_id: i64,
    pub name: String,
    /// `male` or `female`.
    pub gender: String,
    pub birth_date: String,
    pub id_number: String,
    pub phone: String,
    pub ethnicity: String,
    /// party_member, probationary_member, league_member, masses, other_party, non_party.
    pub political_status: String,
    pub rep_party: bool,
    pub rep_npc: bool,
    pub rep_cppcc: bool,
    pub rep_resident: bool,
    pub moved_in: String,
    pub moved_out: Option<String>,
    /// living, moved_out or deceased.
    pub status: String,
    pub address: String,
}

const SELECT: &str = "SELECT r.id, c.street_id, r.community_id, b.compound_id, r.building_id, r.household_id, r.name, \
    r.gender, r.birth_date, r.id_number, r.phone, r.ethnicity, r.political_status, r.rep_party, r.rep_npc, r.rep_cppcc, \
    r.rep_resident, r.moved_in, r.moved_out, r.status, h.address \
    FROM residents r JOIN households h ON h.id = r.household_id JOIN buildings b ON b.id = r.building_id \
    JOIN communities c ON c.id = r.community_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Resident, sqlx::Error> {
    let flag = |name: &str| -> Result<bool, sqlx::Error> { Ok(r.try_get::<i64, _>(name)? != 0) };
    Ok(Resident {
        id: r.try_get("id")?,
        street_id: r.try_get("street_id")?,
        community_id: r.try_get("community_id")?,
        compound_id: r.try_get("compound_id")?,
        building_id: r.try_get("building_id")?,
        household_id: r.try_get("household_id")?,
        name: r.try_get("name")?,
        gender: r.try_get("gender")?,
        birth_date: r.try_get("birth_date")?,
        id_number: r.try_get("id_number")?,
        phone: r.try_get("phone")?,
        ethnicity: r.try_get("ethnicity")?,
        political_status: r.try_get("political_status")?,
        rep_party: flag("rep_party")?,
        rep_npc: flag("rep_npc")?,
        rep_cppcc: flag("rep_cppcc")?,
        rep_resident: flag("rep_resident")?,
        moved_in: r.try_get("moved_in")?,
        moved_out: r.try_get("moved_out")?,
        status: r.try_get("status")?,
        address: r.try_get("address")?,
    })
}

pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<Resident>, sqlx::Error> {
    let row = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn household_members(
    pool: &AnyPool,
    household_id: i64,
) -> Result<Vec<Resident>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE r.household_id = $1 ORDER BY r.birth_date, r.id"
    ))
    .bind(household_id)
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Filters of the resident list and search.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResidentQuery {
    /// A Chinese name fragment, the last 4 characters of an ID number or phone, or part of an address.
    pub q: Option<String>,
    pub community_id: Option<i64>,
    pub compound_id: Option<i64>,
    pub building_id: Option<i64>,
    pub household_id: Option<i64>,
    /// living (default), moved_out, deceased or all.
    pub status: Option<String>,
    /// Page number from 1.
    pub page: Option<i64>,
    /// 1–200, default 25.
    pub per_page: Option<i64>,
}

pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Page and page size, checked.
pub fn paging(
    page: Option<i64>,
    per_page: Option<i64>,
    default: i64,
    max: i64,
) -> Result<(i64, i64), AppError> {
    let per_page = per_page.unwrap_or(default);
    if !(1..=max).contains(&per_page) {
        return Err(AppError::invalid("per_page", "error.per_page").arg("max", max));
    }
    let page = page.unwrap_or(1);
    if page < 1 {
        return Err(AppError::invalid("page", "error.page"));
    }
    Ok((page, per_page))
}

/// Residents inside `scopes` that match the query.
pub async fn search(
    pool: &AnyPool,
    scopes: &[Scope],
    q: &ResidentQuery,
) -> Result<PageOf<Resident>, AppError> {
    let (page, per_page) = paging(q.page, q.per_page, 25, 200)?;
    let mut f = Filter::default();
    let (cond, vals) = scope_condition(
        scopes,
        "c.street_id",
        "r.community_id",
        Some("r.building_id"),
    )
    .ok_or_else(AppError::forbidden)?;
    f.and(&cond, vals);
    for (col, v) in [
        ("r.community_id", q.community_id),
        ("b.compound_id", q.compound_id),
        ("r.building_id", q.building_id),
        ("r.household_id", q.household_id),
    ] {
        if let Some(v) = v {
            f.and(&format!("{col} = ?"), [Val::I(v)]);
        }
    }
    match q.status.as_deref().unwrap_or("living") {
        "all" => {}
        s if STATUSES.contains(&s) => {
            f.and("r.status = ?", [Val::T(s.to_owned())]);
        }
        _ => return Err(AppError::invalid("status", "registry.bad_status")),
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if text.chars().count() > 40 {
            return Err(AppError::invalid("q", "registry.query_too_long"));
        }
        let upper = text.to_ascii_uppercase();
        let is_last4 = upper.len() == 4 && upper.bytes().all(|b| b.is_ascii_digit() || b == b'X');
        let pat = like_pattern(text);
        // Names through their grams; addresses on households (far fewer rows than residents).
        let address = "SELECT x.id FROM residents x JOIN households h ON h.id = x.household_id WHERE h.address LIKE ? ESCAPE '\\'";
        if is_last4 {
            f.and(
                &format!("r.id_last4 = ? OR r.phone_last4 = ? OR r.id IN ({address})"),
                [Val::T(upper.clone()), Val::T(upper), Val::T(pat)],
            );
        } else {
            let grams = query_grams(text);
            let list = vec!["?"; grams.len()].join(", ");
            let by_name = format!(
                "SELECT g.resident_id FROM resident_name_grams g JOIN residents x ON x.id = g.resident_id \
                 WHERE g.gram IN ({list}) AND x.name LIKE ? ESCAPE '\\' GROUP BY g.resident_id HAVING COUNT(*) = {}",
                grams.len()
            );
            let mut vals: Vec<Val> = grams.into_iter().map(Val::T).collect();
            vals.push(Val::T(pat.clone()));
            vals.push(Val::T(pat));
            f.and(&format!("r.id IN ({by_name} UNION {address})"), vals);
        }
    }
    let from = if q.compound_id.is_some() {
        "FROM residents r JOIN buildings b ON b.id = r.building_id JOIN communities c ON c.id = r.community_id"
    } else {
        "FROM residents r JOIN communities c ON c.id = r.community_id"
    };
    let where_ = f.sql();
    let count_sql = format!("SELECT COUNT(*) AS n {from} {where_}");
    let total: i64 = bind_vals(sqlx::query(&count_sql), &f.vals)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    let sql = format!(
        "{SELECT} {where_} ORDER BY r.id LIMIT {per_page} OFFSET {}",
        (page - 1) * per_page
    );
    let rows = bind_vals(sqlx::query(&sql), &f.vals)
        .fetch_all(pool)
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(PageOf {
        items,
        total,
        page,
        per_page,
    })
}

/// What a form or JSON body says about a resident, before it is checked.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ResidentInput {
    pub household_id: i64,
    pub name: String,
    pub id_number: String,
    /// Must agree with the ID number if given.
    pub gender: Option<String>,
    /// Must agree with the ID number if given (YYYY-MM-DD).
    pub birth_date: Option<String>,
    #[serde(default)]
    pub phone: String,
    pub ethnicity: Option<String>,
    pub political_status: Option<String>,
    #[serde(default)]
    pub rep_party: bool,
    #[serde(default)]
    pub rep_npc: bool,
    #[serde(default)]
    pub rep_cppcc: bool,
    #[serde(default)]
    pub rep_resident: bool,
    /// YYYY-MM-DD; default today.
    pub moved_in: Option<String>,
}

/// A checked resident record, ready to store.
#[derive(Clone, Debug)]
pub struct NewResident {
    pub household_id: i64,
    pub name: String,
    pub id: IdNumber,
    pub phone: Option<Phone>,
    pub ethnicity: String,
    pub political_status: String,
    pub reps: [bool; 4],
    pub moved_in: Date,
}

pub fn parse_date(field: &'static str, s: &str) -> Result<Date, AppError> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| AppError::invalid(field, "registry.bad_date").arg("field", field))
}

impl TryFrom<ResidentInput> for NewResident {
    type Error = AppError;

    fn try_from(i: ResidentInput) -> Result<Self, AppError> {
        let name = i.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(AppError::invalid("name", "registry.bad_name"));
        }
        let id =
            IdNumber::parse(&i.id_number).map_err(|e| AppError::invalid("id_number", e.key()))?;
        if let Some(g) = i.gender.as_deref().map(str::trim).filter(|g| !g.is_empty())
            && g != id.gender()
        {
            return Err(AppError::invalid("gender", "registry.gender_mismatch"));
        }
        if let Some(b) = i
            .birth_date
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            && parse_date("birth_date", b)? != id.birth_date()
        {
            return Err(AppError::invalid("birth_date", "registry.birth_mismatch"));
        }
        let phone = match i.phone.trim() {
            "" => None,
            p => Some(Phone::parse(p).map_err(|k| AppError::invalid("phone", k))?),
        };
        let political_status = i.political_status.unwrap_or_else(|| "masses".into());
        if !POLITICAL.contains(&political_status.as_str()) {
            return Err(AppError::invalid(
                "political_status",
                "registry.bad_political_status",
            ));
        }
        let moved_in = match i
            .moved_in
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => parse_date("moved_in", s)?,
            None => time::today(),
        };
        if moved_in > time::today() {
            return Err(AppError::invalid("moved_in", "registry.future_date"));
        }
        let ethnicity = i
            .ethnicity
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "汉族".into());
        if ethnicity.chars().count() > 10 {
            return Err(AppError::invalid("ethnicity", "registry.bad_ethnicity"));
        }
        Ok(NewResident {
            household_id: i.household_id,
            name,
            id,
            phone,
            ethnicity,
            political_status,
            reps: [i.rep_party, i.rep_npc, i.rep_cppcc, i.rep_resident],
            moved_in,
        })
    }
}

/// The resident already registered under an ID number, as `name (id)`: for refusing duplicates.
pub async fn find_by_id_number(
    tx: &mut Tx,
    id_number: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT id, name FROM residents WHERE id_number = $1")
        .bind(id_number)
        .fetch_optional(&mut **tx)
        .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .transpose()
}

/// The household's building and community, or a 422 naming `household_id`.
pub async fn household_place(tx: &mut Tx, household_id: i64) -> Result<(i64, i64, i64), AppError> {
    let row = sqlx::query(
        "SELECT h.building_id, h.community_id, c.street_id FROM households h JOIN communities c ON c.id = h.community_id WHERE h.id = $1",
    )
    .bind(household_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::invalid("household_id", "registry.unknown_household"))?;
    Ok((
        row.try_get("building_id")?,
        row.try_get("community_id")?,
        row.try_get("street_id")?,
    ))
}

/// The grams a name is found by: each character, and each pair of adjacent characters.
pub fn name_grams(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out.sort();
    out.dedup();
    out
}

/// The grams a search fragment needs: itself if one character, else its adjacent pairs.
pub fn query_grams(q: &str) -> Vec<String> {
    let chars: Vec<char> = q.chars().collect();
    let mut out: Vec<String> = if chars.len() == 1 {
        vec![q.to_owned()]
    } else {
        chars.windows(2).map(|w| w.iter().collect()).collect()
    };
    out.sort();
    out.dedup();
    out
}

/// The tables a bulk load of residents fills, whose statistics it refreshes.
pub const BULK_TABLES: &[&str] = &[
    "residents",
    "households",
    "resident_name_grams",
    "resident_moves",
];

/// Indexes the names of a community's residents that have no grams yet (after bulk loads).
pub async fn index_new_names(tx: &mut Tx, community: i64) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.id, r.name FROM residents r WHERE r.community_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM resident_name_grams g WHERE g.resident_id = r.id)",
    )
    .bind(community)
    .fetch_all(&mut **tx)
    .await?;
    let mut grams = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let name: String = r.try_get("name")?;
        grams.extend(
            name_grams(&name)
                .into_iter()
                .map(|g| vec![Val::I(id), Val::T(g)]),
        );
    }
    crate::platform::db::bulk_insert(tx, "resident_name_grams", &["resident_id", "gram"], &grams)
        .await
}

/// Replaces a resident's name grams.
pub async fn index_name(tx: &mut Tx, resident_id: i64, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM resident_name_grams WHERE resident_id = $1")
        .bind(resident_id)
        .execute(&mut **tx)
        .await?;
    let rows: Vec<Vec<Val>> = name_grams(name)
        .into_iter()
        .map(|g| vec![Val::I(resident_id), Val::T(g)])
        .collect();
    crate::platform::db::bulk_insert(tx, "resident_name_grams", &["resident_id", "gram"], &rows)
        .await
}

fn last4(s: &str) -> String {
    s.chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect()
}

/// Stores a new resident and the move-in; refuses a duplicate ID number, naming who holds it.
pub async fn insert(tx: &mut Tx, r: &NewResident, by: &str) -> Result<i64, AppError> {
    if let Some((id, name)) = find_by_id_number(tx, r.id.as_str()).await? {
        return Err(AppError::conflict("registry.duplicate_id")
            .field("id_number")
            .arg("name", name)
            .arg("id", id));
    }
    let (building, community, _) = household_place(tx, r.household_id).await?;
    let now = time::now_db();
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let id: i64 = sqlx::query(
        "INSERT INTO residents (community_id, building_id, household_id, name, gender, birth_date, id_number, phone, \
         ethnicity, political_status, rep_party, rep_npc, rep_cppcc, rep_resident, moved_in, status, created_at, updated_at, \
         id_last4, phone_last4) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'living', $16, $16, $17, $18) \
         RETURNING id",
    )
    .bind(community)
    .bind(building)
    .bind(r.household_id)
    .bind(&r.name)
    .bind(r.id.gender())
    .bind(r.id.birth_date().to_string())
    .bind(r.id.as_str())
    .bind(&phone)
    .bind(&r.ethnicity)
    .bind(&r.political_status)
    .bind(i64::from(r.reps[0]))
    .bind(i64::from(r.reps[1]))
    .bind(i64::from(r.reps[2]))
    .bind(i64::from(r.reps[3]))
    .bind(r.moved_in.to_string())
    .bind(&now)
    .bind(last4(r.id.as_str()))
    .bind(last4(&phone))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    record_move(tx, id, "move_in", r.moved_in, Some(r.household_id), "", by).await?;
    index_name(tx, id, &r.name).await?;
    Ok(id)
}

/// Replaces a resident's record; a new household is a move between households.
pub async fn update(tx: &mut Tx, id: i64, r: &NewResident, by: &str) -> Result<(), AppError> {
    if let Some((other, name)) = find_by_id_number(tx, r.id.as_str()).await?
        && other != id
    {
        return Err(AppError::conflict("registry.duplicate_id")
            .field("id_number")
            .arg("name", name)
            .arg("id", other));
    }
    let (building, community, _) = household_place(tx, r.household_id).await?;
    let old: i64 = sqlx::query("SELECT household_id FROM residents WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(AppError::not_found)?
        .try_get("household_id")?;
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    sqlx::query(
        "UPDATE residents SET community_id = $1, building_id = $2, household_id = $3, name = $4, gender = $5, birth_date = $6, \
         id_number = $7, phone = $8, ethnicity = $9, political_status = $10, rep_party = $11, rep_npc = $12, rep_cppcc = $13, \
         rep_resident = $14, moved_in = $15, updated_at = $16, id_last4 = $17, phone_last4 = $18 WHERE id = $19",
    )
    .bind(community)
    .bind(building)
    .bind(r.household_id)
    .bind(&r.name)
    .bind(r.id.gender())
    .bind(r.id.birth_date().to_string())
    .bind(r.id.as_str())
    .bind(&phone)
    .bind(&r.ethnicity)
    .bind(&r.political_status)
    .bind(i64::from(r.reps[0]))
    .bind(i64::from(r.reps[1]))
    .bind(i64::from(r.reps[2]))
    .bind(i64::from(r.reps[3]))
    .bind(r.moved_in.to_string())
    .bind(time::now_db())
    .bind(last4(r.id.as_str()))
    .bind(last4(&phone))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if old != r.household_id {
        record_move(
            tx,
            id,
            "transfer",
            time::today(),
            Some(r.household_id),
            "",
            by,
        )
        .await?;
    }
    Ok(())
}

pub async fn record_move(
    tx: &mut Tx,
    resident_id: i64,
    kind: &str,
    on: Date,
    household_id: Option<i64>,
    note: &str,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO resident_moves (resident_id, kind, on_date, household_id, note, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(resident_id)
    .bind(kind)
    .bind(on.to_string())
    .bind(household_id)
    .bind(note)
    .bind(time::now_db())
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One entry of a resident's move history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Move {
    /// move_in, move_out, transfer or deceased.
    pub kind: String,
    pub on_date: String,
    pub household_id: Option<i64>,
    pub note: String,
    pub created_by: String,
}

pub async fn moves(pool: &AnyPool, resident_id: i64) -> Result<Vec<Move>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, on_date, household_id, note, created_by FROM resident_moves WHERE resident_id = $1 ORDER BY on_date, id",
    )
    .bind(resident_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Move {
                kind: r.try_get("kind")?,
                on_date: r.try_get("on_date")?,
                household_id: r.try_get("household_id")?,
                note: r.try_get("note")?,
                created_by: r.try_get("created_by")?,
            })
        })
        .collect()
}

/// Marks a resident moved out or deceased (the record stays, with its history).
pub async fn leave(
    tx: &mut Tx,
    id: i64,
    kind: &str,
    on: Date,
    note: &str,
    by: &str,
) -> Result<(), AppError> {
    let status = match kind {
        "move_out" => "moved_out",
        "deceased" => "deceased",
        _ => return Err(AppError::invalid("kind", "registry.bad_move")),
    };
    if on > time::today() {
        return Err(AppError::invalid("on_date", "registry.future_date"));
    }
    let res = sqlx::query("UPDATE residents SET status = $1, moved_out = $2, updated_at = $3 WHERE id = $4 AND status = 'living'")
        .bind(status)
        .bind(on.to_string())
        .bind(time::now_db())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if res.rows_affected() != 1 {
        return Err(AppError::conflict("registry.not_living"));
    }
    record_move(tx, id, kind, on, None, note, by).await?;
    Ok(())
}
