//! A household's own agreements (M20), for the residents who live in it: what each side
//! promised, how it was kept, and the breaches recorded on either side — the same that the
//! committee's staff see, and no other household's.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::breaches::{Breach, breach_list};
use super::performance::{Obligation, obligation_list};
use super::{Agreement, SQL, from_row};
use crate::audit::{self, Entry};
use crate::auth::Ctx;
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::Tr;
use crate::platform::web::{Chrome, page};

pub struct Own {
    pub a: Agreement,
    pub obligations: Vec<Obligation>,
    pub breaches: Vec<Breach>,
}

impl Own {
    pub fn side(&self, party: &str) -> Vec<&Obligation> {
        self.obligations
            .iter()
            .filter(|o| o.party == party)
            .collect()
    }
}

/// The signed agreements of the caller's own household (drafts are the committee's until signed).
pub async fn own_agreements(state: &AppState, ctx: &Ctx) -> Result<Vec<Own>, AppError> {
    let me = crate::registry::me::own_resident(state.db.read(), ctx).await?;
    let rows = sqlx::query(&format!(
        "{SQL} WHERE t.household_id = $1 AND t.status <> 'draft' ORDER BY t.valid_from DESC, t.id DESC"
    ))
    .bind(me.household_id)
    .fetch_all(state.db.read())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let a = from_row(r)?;
        out.push(Own {
            obligations: obligation_list(state, a.id).await?,
            breaches: breach_list(state, a.id).await?,
            a,
        });
    }
    audit::record_alone(
        &state.db,
        &ctx.actor(),
        Entry::new("agreements.read_own", "household", me.household_id)
            .at(me.place())
            .detail(format!("{} agreements", out.len())),
    )
    .await?;
    Ok(out)
}

#[derive(Template)]
#[template(path = "agreements/mine.html")]
struct MinePage {
    chrome: Chrome,
    t: Tr,
    items: Vec<Own>,
}

pub async fn mine_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    // Authorized in own_agreements > crate::registry::me::own_resident: HomeView
    let items = own_agreements(&state, &ctx).await?;
    page(&MinePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        items,
    })
}
