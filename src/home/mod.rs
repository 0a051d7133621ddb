//! The home page: for visitors, what zizhi offers them; for each signed-in role, what needs
//! doing today (`today.rs`) and what that role does next, with the numbers of its scope.

pub mod calendar;
pub mod today;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sqlx::Row;

use crate::auth::{Action, Ctx, Grant, Role, Scope, Target};
use crate::platform::AppState;
use crate::platform::error::AppError;
use crate::platform::i18n::{Tr, t, tf};
use crate::platform::time;
use crate::platform::web::{Chrome, page};
use crate::registry::places;

pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct Link {
    pub label: &'static str,
    pub href: &'static str,
}

/// One grant, as its holder sees it on the home page.
pub struct RoleCard {
    pub role: &'static str,
    pub scope_name: String,
    pub term: String,
    pub facts: Vec<Fact>,
    pub next: Vec<&'static str>,
    pub links: Vec<Link>,
    /// 今日待办, urgent things first.
    pub today: Vec<today::Todo>,
    /// 反映诉求 as the first and largest action (residents).
    pub report_first: bool,
    /// The eight must-reports (八必报) as large tiles, each opening the form for the building:
    /// (category code, link). Building leaders.
    pub tiles: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage {
    chrome: Chrome,
    t: Tr,
    greeting: String,
    cards: Vec<RoleCard>,
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let Some(user) = &ctx.user else {
        return page(&HomePage {
            chrome: ctx.chrome(),
            t: ctx.t(),
            greeting: String::new(),
            cards: vec![],
        });
    };
    ctx.require(Action::HomeView, Target::System)?;
    let mut cards = Vec::new();
    for g in &ctx.grants {
        cards.push(card(&state, &ctx, g).await?);
    }
    let greeting = tf(
        ctx.lang,
        "home.greeting",
        &[("name", user.display_name.clone())],
    );
    page(&HomePage {
        chrome: ctx.chrome(),
        t: ctx.t(),
        greeting,
        cards,
    })
}

fn next_steps(role: Role) -> Vec<&'static str> {
    match role {
        Role::Resident => vec![
            "home.next.resident.1",
            "home.next.resident.2",
            "home.next.resident.3",
        ],
        Role::BuildingLeader => vec![
            "home.next.building_leader.1",
            "home.next.building_leader.2",
            "home.next.building_leader.3",
        ],
        Role::CouncilMember => vec!["home.next.council_member.1", "home.next.council_member.2"],
        Role::Supervisor => vec![
            "home.next.supervisor.1",
            "home.next.supervisor.2",
            "home.next.supervisor.3",
        ],
        Role::CommunityWorker => vec![
            "home.next.community_worker.1",
            "home.next.community_worker.2",
            "home.next.community_worker.3",
        ],
        Role::CommunityHead => vec![
            "home.next.community_head.1",
            "home.next.community_head.2",
            "home.next.community_head.3",
        ],
        Role::StreetOfficer => vec![
            "home.next.street_officer.1",
            "home.next.street_officer.2",
            "home.next.street_officer.3",
        ],
        Role::Auditor => vec!["home.next.auditor.1", "home.next.auditor.2"],
        Role::Sysadmin => vec!["home.next.sysadmin.1", "home.next.sysadmin.2"],
    }
}

/// Where each role's work is.
fn links_for(role: Role) -> Vec<Link> {
    let l = |label, href| Link { label, href };
    match role {
        // 反映诉求 comes first and largest on the card itself (`report_first`).
        Role::Resident => vec![
            l("nav.my_cases", "/cases"),
            l("nav.me", "/me"),
            l("nav.my_agreements", "/me/agreements"),
            l("nav.open_meetings", "/open-meetings"),
            l("nav.elections", "/elections"),
            l("nav.disclosures", "/disclosures"),
            l("nav.rules", "/rules"),
            l("nav.appraisals", "/appraisals"),
            l("nav.associations", "/associations"),
            l("nav.reception", "/reception"),
        ],
        Role::BuildingLeader => vec![
            l("nav.quick_report", "/report"),
            l("nav.cases", "/cases"),
            l("nav.my_building", "/residents"),
            l("nav.notebooks", "/notebooks"),
            l("nav.policy_documents", "/policy-documents"),
            l("nav.meetings", "/meetings"),
            l("nav.elections", "/elections"),
            l("nav.disclosures", "/disclosures"),
        ],
        Role::CouncilMember | Role::Supervisor => vec![
            l("nav.evaluations", "/evaluations"),
            l("nav.appraisals", "/appraisals"),
            l("nav.assessment", "/assessment"),
            l("nav.supervision", "/supervision"),
            l("nav.meetings", "/meetings"),
            l("nav.timeliness", "/disclosures/timeliness"),
            l("nav.coverage", "/visits/coverage"),
            l("nav.bulletins", "/bulletins"),
            l("nav.disclosures", "/disclosures"),
            l("nav.rules", "/rules"),
            l("nav.campaigns", "/campaigns"),
            l("nav.phone_calendar", "/me/calendar"),
        ],
        Role::CommunityWorker | Role::CommunityHead => vec![
            l("nav.cases", "/cases"),
            l("nav.report", "/report"),
            l("nav.dashboard", "/dashboard"),
            l("nav.supervision", "/supervision"),
            l("nav.meetings", "/meetings"),
            l("nav.elections", "/elections"),
            l("nav.disclosures", "/disclosures"),
            l("nav.rules", "/rules"),
            l("nav.notebooks", "/notebooks"),
            l("nav.patrols", "/patrols"),
            l("nav.staff_meetings", "/staff-meetings"),
            l("nav.trainings", "/trainings"),
            l("nav.visits", "/visits"),
            l("nav.bulletins", "/bulletins"),
            l("nav.services", "/services"),
            l("nav.aid", "/aid"),
            l("nav.family_planning", "/family-planning"),
            l("nav.policy_documents", "/policy-documents"),
            l("nav.agreements", "/agreements"),
            l("nav.coverage", "/visits/coverage"),
            l("nav.admissions", "/admissions"),
            l("nav.assessment", "/assessment"),
            l("nav.campaigns", "/campaigns"),
            l("nav.requirements", "/requirements"),
            l("nav.appraisals", "/appraisals"),
            l("nav.residents", "/residents"),
            l("nav.places", "/places"),
            l("nav.station", "/station"),
            l("nav.households", "/households?tag=in_difficulty"),
            l("nav.organizations", "/organizations"),
            l("nav.associations", "/associations"),
            l("nav.reception_duty", "/reception/duty"),
            l("nav.corrections", "/corrections"),
            l("nav.import", "/import"),
            l("nav.ledger", "/ledgers"),
            l("nav.calendar", "/calendar"),
            l("nav.phone_calendar", "/me/calendar"),
        ],
        Role::StreetOfficer => vec![
            l("nav.street", "/street"),
            l("nav.assessment", "/assessment"),
            l("nav.campaigns", "/campaigns"),
            l("nav.requirements", "/requirements"),
            l("nav.appraisals", "/appraisals"),
            l("nav.dashboard", "/dashboard"),
            l("nav.supervision", "/supervision"),
            l("nav.meetings", "/meetings"),
            l("nav.timeliness", "/disclosures/timeliness"),
            l("nav.admissions", "/admissions"),
            l("nav.places", "/places"),
            l("nav.residents", "/residents"),
            l("nav.ledger", "/ledgers"),
            l("nav.calendar", "/calendar"),
        ],
        Role::Auditor => vec![l("nav.audit", "/audit")],
        Role::Sysadmin => vec![l("nav.calendar", "/calendar")],
    }
}

async fn card(state: &AppState, ctx: &Ctx, g: &Grant) -> Result<RoleCard, AppError> {
    let pool = state.db.read();
    let lang = ctx.lang;
    let mut facts = Vec::new();
    match g.role {
        Role::Sysadmin => {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            facts.push(Fact {
                label: "home.fact.accounts",
                value: n.to_string(),
            });
        }
        Role::Auditor => {
            let r = sqlx::query("SELECT h.seq AS seq, l.at AS at FROM audit_head h LEFT JOIN audit_log l ON l.seq = h.seq WHERE h.id = 1")
                .fetch_one(pool)
                .await?;
            let n: i64 = r.try_get("seq")?;
            let at: Option<String> = r.try_get("at")?;
            facts.push(Fact {
                label: "home.fact.audit_entries",
                value: n.to_string(),
            });
            if let Some(at) = at {
                facts.push(Fact {
                    label: "home.fact.audit_last",
                    value: time::show_db(&at, lang),
                });
            }
        }
        Role::StreetOfficer => {
            let Scope::Street(id) = g.scope else {
                unreachable!("street roles have street scopes")
            };
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM communities WHERE street_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await?
                .try_get("n")?;
            facts.push(Fact {
                label: "home.fact.communities",
                value: n.to_string(),
            });
            push_counts(pool, g.scope, &mut facts).await?;
            push_missed_meetings(state, ctx, &mut facts).await?;
        }
        Role::CommunityHead => {
            push_counts(pool, g.scope, &mut facts).await?;
            push_missed_meetings(state, ctx, &mut facts).await?;
        }
        Role::CommunityWorker => {
            push_counts(pool, g.scope, &mut facts).await?;
        }
        Role::BuildingLeader => {
            push_counts(pool, g.scope, &mut facts).await?;
        }
        Role::Resident => {
            if let Some(rid) = ctx.user.as_ref().and_then(|u| u.resident_id) {
                let r = sqlx::query(
                    "SELECT h.address, (SELECT COUNT(*) FROM residents m WHERE m.household_id = h.id AND m.status = 'living' AND m.locked_at IS NULL) AS n \
                     FROM residents r JOIN households h ON h.id = r.household_id WHERE r.id = $1",
                )
                .bind(rid)
                .fetch_optional(pool)
                .await?;
                if let Some(r) = r {
                    facts.push(Fact {
                        label: "home.fact.address",
                        value: r.try_get("address")?,
                    });
                    let n: i64 = r.try_get("n")?;
                    facts.push(Fact {
                        label: "home.fact.household_members",
                        value: n.to_string(),
                    });
                }
            }
        }
        Role::CouncilMember | Role::Supervisor => {}
    }
    let term = match g.valid_to {
        Some(to) => format!(
            "{} – {}",
            time::show_date(g.valid_from, lang),
            time::show_date(to, lang)
        ),
        None => tf(
            lang,
            "home.term_open",
            &[("from", time::show_date(g.valid_from, lang))],
        ),
    };
    let links = links_for(g.role);
    Ok(RoleCard {
        role: t(lang, &format!("role.{}", g.role.as_str())),
        scope_name: places::scope_name(pool, g.scope).await?,
        term,
        facts,
        next: next_steps(g.role),
        links,
        today: today::today(state, ctx, g).await?,
        report_first: g.role == Role::Resident,
        tiles: match (g.role, g.scope) {
            (Role::BuildingLeader, Scope::Building(b)) => must_reports(pool, b).await?,
            _ => vec![],
        },
    })
}

/// The building's must-report categories (八必报), each with the form for that building.
async fn must_reports(
    pool: &crate::platform::reader::Reader,
    building: i64,
) -> Result<Vec<(String, String)>, AppError> {
    let Some(community) = places::place_of_building(pool, building)
        .await?
        .and_then(|p| p.community_id)
    else {
        return Ok(vec![]);
    };
    Ok(crate::cases::store::categories(pool, community)
        .await?
        .into_iter()
        .filter(|c| c.kind == "mandatory_report")
        .map(|c| {
            let href = format!("/report?category={}&building_id={building}", c.code);
            (c.code, href)
        })
        .collect())
}

/// The months this year in which a council of the caller's scope held no meeting (M6).
async fn push_missed_meetings(
    state: &AppState,
    ctx: &Ctx,
    facts: &mut Vec<Fact>,
) -> Result<(), AppError> {
    let year = time::today().year();
    let councils = crate::council::meetings::regularity::regularity(state, ctx, year, None).await?;
    let missed: Vec<String> = councils
        .iter()
        .filter(|c| !c.missing.is_empty())
        .map(|c| format!("{} {}", c.body_name, c.missing.join("、")))
        .collect();
    facts.push(Fact {
        label: "home.fact.missed_meetings",
        value: if missed.is_empty() {
            t(ctx.lang, "home.fact.none_missed").to_owned()
        } else {
            format!("⚑ {}", missed.join("；"))
        },
    });
    Ok(())
}

async fn push_counts(
    pool: &crate::platform::reader::Reader,
    scope: Scope,
    facts: &mut Vec<Fact>,
) -> Result<(), AppError> {
    let (h, r) = places::counts(pool, scope).await?;
    facts.push(Fact {
        label: "home.fact.households",
        value: h.to_string(),
    });
    facts.push(Fact {
        label: "home.fact.residents",
        value: r.to_string(),
    });
    Ok(())
}

/// The area's API: the holiday calendar.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<crate::platform::AppState> {
    calendar::routes()
}

/// The home pages, at the paths residents and staff use (`app.rs` merges every area's).
pub fn pages() -> axum::Router<crate::platform::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/", get(crate::home::index))
        .route("/calendar", get(calendar::calendar_page))
}
