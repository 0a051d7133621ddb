//! Object ids to put in paths: one object of each kind in a given community and building.

use std::collections::BTreeMap;

use crate::harness::TestApp;

/// One object id for each kind of path parameter, by the route's resource.
pub struct Ids(BTreeMap<&'static str, String>);

pub(super) async fn one(app: &TestApp, sql: &str) -> String {
    use sqlx::Row;
    let row = sqlx::query(sql)
        .fetch_optional(app.db.read())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let found = row.and_then(|r| {
        r.try_get::<Option<i64>, _>(0)
            .map(|n| n.map(|n| n.to_string()))
            .or_else(|_| r.try_get::<Option<String>, _>(0))
            .unwrap()
    });
    found.unwrap_or_else(|| {
        println!("authz: no object for {sql}");
        "999999".to_owned()
    })
}

impl Ids {
    /// Objects of community `c`, in building `b` where objects belong to a building.
    pub async fn of(app: &TestApp, c: i64, b: i64) -> Ids {
        let q = |sql: String| async move { one(app, &sql).await };
        let mut m = BTreeMap::new();
        let pairs: Vec<(&'static str, String)> = vec![
            (
                "cases",
                format!("SELECT MIN(id) FROM cases WHERE community_id = {c} AND building_id = {b}"),
            ),
            (
                "case_code",
                format!(
                    "SELECT tracking_code FROM cases WHERE id = (SELECT MIN(id) FROM cases WHERE community_id = {c} AND building_id = {b})"
                ),
            ),
            (
                "photo",
                format!(
                    "SELECT MIN(a.id) FROM case_attachments a JOIN cases k ON k.id = a.case_id WHERE k.community_id = {c}"
                ),
            ),
            (
                "residents",
                format!(
                    "SELECT MIN(id) FROM residents WHERE community_id = {c} AND building_id = {b}"
                ),
            ),
            (
                "households",
                format!(
                    "SELECT MIN(id) FROM households WHERE community_id = {c} AND building_id = {b}"
                ),
            ),
            ("buildings", format!("SELECT {b}")),
            (
                "compounds",
                format!("SELECT compound_id FROM buildings WHERE id = {b}"),
            ),
            ("communities", format!("SELECT {c}")),
            (
                "meetings",
                format!("SELECT MIN(id) FROM meetings WHERE community_id = {c}"),
            ),
            (
                "motions",
                format!(
                    "SELECT MIN(m.id) FROM motions m JOIN meetings g ON g.id = m.meeting_id WHERE g.community_id = {c}"
                ),
            ),
            (
                "elections",
                format!("SELECT MIN(id) FROM elections WHERE community_id = {c}"),
            ),
            (
                "election_objection",
                format!(
                    "SELECT MIN(o.id) FROM election_objections o JOIN elections e ON e.id = o.election_id WHERE e.community_id = {c}"
                ),
            ),
            (
                "batch",
                format!(
                    "SELECT MIN(p.id) FROM election_paper_batches p JOIN elections e ON e.id = p.election_id WHERE e.community_id = {c}"
                ),
            ),
            (
                "disclosures",
                format!(
                    "SELECT MIN(id) FROM disclosures WHERE community_id = {c} AND status = 'published'"
                ),
            ),
            (
                "attachment",
                format!(
                    "SELECT MIN(a.id) FROM disclosure_attachments a JOIN disclosures d ON d.id = a.disclosure_id WHERE d.community_id = {c}"
                ),
            ),
            (
                "disclosure_objection",
                format!(
                    "SELECT MIN(o.id) FROM disclosure_objections o JOIN disclosures d ON d.id = o.disclosure_id WHERE d.community_id = {c}"
                ),
            ),
            (
                "rules",
                format!("SELECT MIN(id) FROM rules WHERE community_id = {c}"),
            ),
            (
                "comment",
                format!(
                    "SELECT MIN(k.id) FROM rule_comments k JOIN rules r ON r.id = k.rule_id WHERE r.community_id = {c}"
                ),
            ),
            (
                "agreements",
                format!("SELECT MIN(id) FROM agreements WHERE community_id = {c}"),
            ),
            (
                "obligation",
                format!(
                    "SELECT MIN(o.id) FROM agreement_obligations o JOIN agreements a ON a.id = o.agreement_id WHERE a.community_id = {c}"
                ),
            ),
            (
                "aid-plans",
                format!("SELECT MIN(id) FROM aid_plans WHERE community_id = {c}"),
            ),
            (
                "appraisals",
                format!("SELECT MIN(id) FROM appraisals WHERE community_id = {c}"),
            ),
            (
                "campaigns",
                format!("SELECT MIN(campaign_id) FROM campaign_tasks WHERE community_id = {c}"),
            ),
            (
                "task",
                format!("SELECT MIN(id) FROM campaign_tasks WHERE community_id = {c}"),
            ),
            (
                "bulletins",
                format!("SELECT MIN(id) FROM bulletins WHERE community_id = {c}"),
            ),
            ("admissions", "SELECT MIN(id) FROM admissions".to_owned()),
            (
                "unadmitted-tasks",
                format!("SELECT MIN(id) FROM unadmitted_tasks WHERE community_id = {c}"),
            ),
            (
                "social-orgs",
                format!("SELECT MIN(id) FROM social_orgs WHERE community_id = {c}"),
            ),
            (
                "bodies",
                format!("SELECT MIN(id) FROM bodies WHERE community_id = {c}"),
            ),
            (
                "associations",
                format!(
                    "SELECT MIN(id) FROM bodies WHERE community_id = {c} AND kind = 'association'"
                ),
            ),
            (
                "policy-documents",
                format!("SELECT MIN(id) FROM policy_documents WHERE community_id = {c}"),
            ),
            (
                "volunteers",
                format!("SELECT MIN(id) FROM volunteers WHERE community_id = {c}"),
            ),
            (
                "party-orgs",
                format!("SELECT MIN(id) FROM party_orgs WHERE community_id = {c}"),
            ),
            (
                "party",
                format!("SELECT MIN(id) FROM party_orgs WHERE community_id = {c}"),
            ),
            (
                "open311-keys",
                format!("SELECT MIN(id) FROM open311_keys WHERE community_id = {c}"),
            ),
            (
                "corrections",
                format!("SELECT MIN(id) FROM correction_requests WHERE community_id = {c}"),
            ),
            (
                "erasure-requests",
                format!("SELECT MIN(id) FROM erasure_requests WHERE community_id = {c}"),
            ),
            (
                "case-categories",
                "SELECT MIN(code) FROM case_categories WHERE public_intake = 1".to_owned(),
            ),
        ];
        for (k, sql) in pairs {
            m.insert(k, q(sql).await);
        }
        Ids(m)
    }

    fn get(&self, k: &str) -> &str {
        self.0
            .get(k)
            .unwrap_or_else(|| panic!("no id for {k}"))
            .as_str()
    }

    /// The path with its parameters filled; `None` for a parameter the test cannot fill.
    pub fn fill(&self, path: &str) -> String {
        let segs: Vec<&str> = path.split('/').collect();
        let mut out = Vec::new();
        for (i, s) in segs.iter().enumerate() {
            if !s.starts_with('{') {
                out.push(s.to_string());
                continue;
            }
            let parent = segs[i - 1];
            let v = match (*s, parent) {
                ("{id}", "building") => self.get("buildings").to_owned(),
                ("{id}", "community") => self.get("communities").to_owned(),
                ("{id}", "aid") => self.get("aid-plans").to_owned(),
                ("{id}", p) => self.get(p).to_owned(),
                ("{photo}", _) => self.get("photo").to_owned(),
                ("{attachment}", _) => self.get("attachment").to_owned(),
                ("{objection}", _) if path.contains("/elections/") => {
                    self.get("election_objection").to_owned()
                }
                ("{objection}", _) => self.get("disclosure_objection").to_owned(),
                ("{comment}", _) => self.get("comment").to_owned(),
                ("{motion}", _) => self.get("motions").to_owned(),
                ("{obligation}", _) => self.get("obligation").to_owned(),
                ("{batch}", _) => self.get("batch").to_owned(),
                ("{task}", _) => self.get("task").to_owned(),
                ("{code}", "case-categories") => self.get("case-categories").to_owned(),
                ("{code}", "track") => self.get("case_code").to_owned(),
                ("{file}", "ledgers") => "residents.xlsx".to_owned(),
                ("{kind}", "ledgers") => "residents".to_owned(),
                ("{ledger}", "imports") => "social-units".to_owned(),
                ("{file}", "services") => format!("{}.json", self.get("case-categories")),
                ("{file}", "requests") => format!("{}.json", self.get("case_code")),
                ("{file}", "tokens") => "no-such-token.json".to_owned(),
                // A feed's private token: a made-up one names no one (404 for all).
                ("{file}", "feed") => "no-such-token.ics".to_owned(),
                ("{token}", _) => "0123456789abcdef".to_owned(),
                ("{community}", _) => self.get("communities").to_owned(),
                ("{job}", _) => "0123456789abcdef".to_owned(),
                (p, parent) => panic!("{path}: the test cannot fill {p} after {parent}"),
            };
            out.push(v);
        }
        let mut filled = out.join("/");
        // Routes that need a query to say which community (or which versions) they mean.
        let query = match path {
            "/api/v1/case-categories"
            | "/api/v1/disclosure-categories"
            | "/api/v1/evaluations"
            | "/api/v1/evaluations/checklist"
            | "/api/v1/open311-keys"
            | "/api/v1/assessment/records"
            | "/assessment/records"
            | "/evaluations"
            | "/visits/coverage"
            | "/api/v1/visits/coverage"
            | "/api/v1/trainings"
            | "/trainings"
            | "/api/v1/station"
            | "/station" => format!("?community_id={}", self.get("communities")),
            "/api/v1/meetings.ics" => format!("?body_id={}", self.get("bodies")),
            "/api/v1/rules/{id}/diff" => "?from=1&to=2".to_owned(),
            _ => String::new(),
        };
        filled.push_str(&query);
        filled
    }
}

pub(super) async fn one_per_row(app: &TestApp, sql: &str) -> Vec<i64> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(app.db.read())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64, _>(0).unwrap())
        .collect()
}
