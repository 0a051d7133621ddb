//! The policy table: which role may do which action. Scope is the grant's own (a street, a
//! community or a building) and is checked by [`super::Ctx::require`] against where the object
//! sits. Every handler calls `ctx.require(Action::…, target)` explicitly; `tests/it/policy.rs`
//! walks the table role by role.

use serde::{Deserialize, Serialize};

/// The nine roles of DESIGN.md §1, by their identifiers.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    BuildingLeader,
    CouncilMember,
    Supervisor,
    CommunityWorker,
    CommunityHead,
    StreetOfficer,
    Auditor,
    Sysadmin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Resident,
        Role::BuildingLeader,
        Role::CouncilMember,
        Role::Supervisor,
        Role::CommunityWorker,
        Role::CommunityHead,
        Role::StreetOfficer,
        Role::Auditor,
        Role::Sysadmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::BuildingLeader => "building_leader",
            Role::CouncilMember => "council_member",
            Role::Supervisor => "supervisor",
            Role::CommunityWorker => "community_worker",
            Role::CommunityHead => "community_head",
            Role::StreetOfficer => "street_officer",
            Role::Auditor => "auditor",
            Role::Sysadmin => "sysadmin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Administrative roles are held alone: no account is both operator and auditor, and
    /// neither also holds a role that reads residents' data (三权分立).
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Auditor | Role::Sysadmin)
    }

    /// The narrowest scope a grant of this role may have.
    pub fn scope_level(self) -> ScopeLevel {
        match self {
            Role::Resident | Role::BuildingLeader => ScopeLevel::Building,
            Role::CouncilMember
            | Role::Supervisor
            | Role::CommunityWorker
            | Role::CommunityHead => ScopeLevel::Community,
            Role::StreetOfficer | Role::Auditor | Role::Sysadmin => ScopeLevel::Street,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeLevel {
    Street,
    Community,
    Building,
}

/// Everything a request can ask to do. Areas add their actions here as they arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// See one's own home page and account.
    HomeView,
    /// Create accounts, reset passwords, grant and revoke roles.
    AccountsManage,
    /// Read the audit log.
    AuditRead,
    /// See the structure of places: communities, compounds, buildings.
    PlacesRead,
    /// Create and edit compounds, buildings and units, and record occupancy (community head).
    PlacesManage,
    /// Create and rename the street's communities; record custody (代管) and set up a
    /// compound's own committee (street).
    CommunitiesManage,
    /// Read residents' and households' records (masked).
    RegistryRead,
    /// Reveal a full ID number or phone (audited, with a reason).
    RegistryReveal,
    /// Create and edit residents' and households' records.
    RegistryWrite,
    /// Export the residents' ledger unmasked, in the layout the import reads, to correct it in
    /// a spreadsheet and import it back (the community head; an audited sensitive export).
    RegistryExportFull,
    /// Manage the Open311 keys of a community.
    Open311KeysManage,
    /// File a case (a request or a must-report) in one's scope.
    CaseSubmit,
    /// Read the cases of one's scope (sensitive categories need `CaseReadSensitive` too).
    CaseRead,
    /// Read cases of sensitive categories (pregnancy, illness, outsiders, instability).
    CaseReadSensitive,
    /// Accept, assign, work on, reply to, close or reject cases.
    CaseHandle,
    /// See the supervision list (督办) of overdue cases.
    SupervisionRead,
    /// Set a community's case categories: deadlines, responsibility, public intake.
    CasesConfigure,
    /// See the self-governance bodies and who sits on them.
    BodiesRead,
    /// Form bodies and record their members (by appointment; elections come separately).
    BodiesManage,
    /// Run elections: open them, nominate, handle objections, enter and confirm paper ballots,
    /// tally and announce.
    ElectionsManage,
    /// Schedule meetings, record attendance, motions and votes, publish minutes.
    MeetingsManage,
    /// Take part as a resident: vote, object by name, comment on open meetings.
    Participate,
    /// Draft and publish disclosures, answer their objections, set their categories.
    DisclosuresManage,
    /// Draft rules, open them to public comment, answer comments, publish and repeal them.
    RulesManage,
    /// The legal review of a rule (the street's judicial office).
    RulesReview,
    /// Write in a building's notebooks (a leader: their own building only).
    NotebooksWrite,
    /// Record patrols, visits, services, staff meetings; draft and publish bulletins.
    FieldWork,
    /// Read notebooks, patrols, visits and their coverage, services, published bulletins.
    FieldWorkRead,
    /// Aid plans for households in difficulty (sensitive: audited reads).
    AidManage,
    /// Draft, sign, check and review agreements; record breaches.
    AgreementsManage,
    /// Read agreements, their performance and breaches.
    AgreementsRead,
    /// Record applications for work admission, decide them, follow up unadmitted work (street).
    AdmissionsManage,
    /// See applications (street) or what is admitted for one's community; unadmitted reports.
    AdmissionsRead,
    /// See the assessment: the street's ranking, and the detail of one's own community (M22).
    AssessmentRead,
    /// Set the assessment's weights (street).
    AssessmentConfigure,
    /// Record the year's 评议考核奖励 of community workers (head) and of heads (street).
    WorkerReviewsRecord,
    /// The supervisory board's evaluations against its checklist (M10).
    EvaluationsWrite,
    /// Open a democratic appraisal of cadres, close and tally it (M10).
    AppraisalsManage,
    /// Run a rollout campaign: phases, tasks, inspection (M23, street).
    CampaignsManage,
    /// See rollout campaigns and their progress.
    CampaignsRead,
}

impl Action {
    pub const ALL: [Action; 40] = [
        Action::HomeView,
        Action::AccountsManage,
        Action::AuditRead,
        Action::PlacesRead,
        Action::PlacesManage,
        Action::CommunitiesManage,
        Action::RegistryRead,
        Action::RegistryReveal,
        Action::RegistryWrite,
        Action::RegistryExportFull,
        Action::Open311KeysManage,
        Action::CaseSubmit,
        Action::CaseRead,
        Action::CaseReadSensitive,
        Action::CaseHandle,
        Action::SupervisionRead,
        Action::CasesConfigure,
        Action::BodiesRead,
        Action::BodiesManage,
        Action::ElectionsManage,
        Action::MeetingsManage,
        Action::Participate,
        Action::DisclosuresManage,
        Action::RulesManage,
        Action::RulesReview,
        Action::NotebooksWrite,
        Action::FieldWork,
        Action::FieldWorkRead,
        Action::AidManage,
        Action::AgreementsManage,
        Action::AgreementsRead,
        Action::AdmissionsManage,
        Action::AdmissionsRead,
        Action::AssessmentRead,
        Action::AssessmentConfigure,
        Action::WorkerReviewsRecord,
        Action::EvaluationsWrite,
        Action::AppraisalsManage,
        Action::CampaignsManage,
        Action::CampaignsRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::HomeView => "home.view",
            Action::AccountsManage => "accounts.manage",
            Action::AuditRead => "audit.read",
            Action::PlacesRead => "places.read",
            Action::PlacesManage => "places.manage",
            Action::CommunitiesManage => "communities.manage",
            Action::RegistryRead => "registry.read",
            Action::RegistryReveal => "registry.reveal",
            Action::RegistryWrite => "registry.write",
            Action::RegistryExportFull => "registry.export_full",
            Action::Open311KeysManage => "open311_keys.manage",
            Action::CaseSubmit => "case.submit",
            Action::CaseRead => "case.read",
            Action::CaseReadSensitive => "case.read_sensitive",
            Action::CaseHandle => "case.handle",
            Action::SupervisionRead => "supervision.read",
            Action::CasesConfigure => "cases.configure",
            Action::BodiesRead => "bodies.read",
            Action::BodiesManage => "bodies.manage",
            Action::ElectionsManage => "elections.manage",
            Action::MeetingsManage => "meetings.manage",
            Action::Participate => "participate",
            Action::DisclosuresManage => "disclosures.manage",
            Action::RulesManage => "rules.manage",
            Action::RulesReview => "rules.review",
            Action::NotebooksWrite => "notebooks.write",
            Action::FieldWork => "field_work",
            Action::FieldWorkRead => "field_work.read",
            Action::AidManage => "aid.manage",
            Action::AgreementsManage => "agreements.manage",
            Action::AgreementsRead => "agreements.read",
            Action::AdmissionsManage => "admissions.manage",
            Action::AdmissionsRead => "admissions.read",
            Action::AssessmentRead => "assessment.read",
            Action::AssessmentConfigure => "assessment.configure",
            Action::WorkerReviewsRecord => "assessment.review",
            Action::EvaluationsWrite => "evaluations.write",
            Action::AppraisalsManage => "appraisals.manage",
            Action::CampaignsManage => "campaigns.manage",
            Action::CampaignsRead => "campaigns.read",
        }
    }

    /// Actions on residents' personal data: never for `sysadmin` or `auditor`.
    pub fn touches_personal_data(self) -> bool {
        matches!(
            self,
            Action::RegistryRead
                | Action::RegistryReveal
                | Action::RegistryWrite
                | Action::RegistryExportFull
                | Action::CaseRead
                | Action::CaseReadSensitive
                | Action::CaseHandle
                | Action::AidManage
        )
    }
}

use Action as A;
use Role as R;

/// The policy table. A (role, action) pair that is not listed is denied.
pub const POLICY: &[(Role, &[Action])] = &[
    (
        R::Resident,
        &[A::HomeView, A::CaseSubmit, A::BodiesRead, A::Participate],
    ),
    (
        R::BuildingLeader,
        &[
            A::HomeView,
            A::PlacesRead,
            A::RegistryRead,
            A::CaseSubmit,
            A::CaseRead,
            A::BodiesRead,
            A::Participate,
            A::NotebooksWrite,
        ],
    ),
    (
        R::CouncilMember,
        &[
            A::HomeView,
            A::PlacesRead,
            A::SupervisionRead,
            A::BodiesRead,
            A::Participate,
            A::FieldWorkRead,
            A::AgreementsRead,
            A::AdmissionsRead,
            A::AssessmentRead,
            A::CampaignsRead,
        ],
    ),
    (
        R::Supervisor,
        &[
            A::HomeView,
            A::PlacesRead,
            A::SupervisionRead,
            A::BodiesRead,
            A::Participate,
            A::FieldWorkRead,
            A::AgreementsRead,
            A::AdmissionsRead,
            A::AssessmentRead,
            A::EvaluationsWrite,
            A::AppraisalsManage,
            A::CampaignsRead,
        ],
    ),
    (
        R::CommunityWorker,
        &[
            A::HomeView,
            A::PlacesRead,
            A::RegistryRead,
            A::RegistryReveal,
            A::RegistryWrite,
            A::CaseSubmit,
            A::CaseRead,
            A::CaseReadSensitive,
            A::CaseHandle,
            A::BodiesRead,
            A::ElectionsManage,
            A::MeetingsManage,
            A::DisclosuresManage,
            A::RulesManage,
            A::NotebooksWrite,
            A::FieldWork,
            A::FieldWorkRead,
            A::AidManage,
            A::AgreementsManage,
            A::AgreementsRead,
            A::AdmissionsRead,
            A::AssessmentRead,
            A::CampaignsRead,
        ],
    ),
    (
        R::CommunityHead,
        &[
            A::HomeView,
            A::PlacesRead,
            A::PlacesManage,
            A::RegistryRead,
            A::RegistryReveal,
            A::RegistryWrite,
            A::RegistryExportFull,
            A::Open311KeysManage,
            A::CaseSubmit,
            A::CaseRead,
            A::CaseReadSensitive,
            A::CaseHandle,
            A::SupervisionRead,
            A::CasesConfigure,
            A::BodiesRead,
            A::BodiesManage,
            A::ElectionsManage,
            A::MeetingsManage,
            A::DisclosuresManage,
            A::RulesManage,
            A::NotebooksWrite,
            A::FieldWork,
            A::FieldWorkRead,
            A::AidManage,
            A::AgreementsManage,
            A::AgreementsRead,
            A::AdmissionsRead,
            A::AssessmentRead,
            A::WorkerReviewsRecord,
            A::CampaignsRead,
        ],
    ),
    (
        R::StreetOfficer,
        &[
            A::HomeView,
            A::PlacesRead,
            A::CommunitiesManage,
            A::RegistryRead,
            A::CaseRead,
            A::SupervisionRead,
            A::BodiesRead,
            A::BodiesManage,
            A::MeetingsManage,
            A::RulesReview,
            A::FieldWorkRead,
            A::AgreementsRead,
            A::AdmissionsManage,
            A::AdmissionsRead,
            A::AssessmentRead,
            A::AssessmentConfigure,
            A::WorkerReviewsRecord,
            A::AppraisalsManage,
            A::CampaignsManage,
            A::CampaignsRead,
        ],
    ),
    (R::Auditor, &[A::HomeView, A::AuditRead]),
    (
        R::Sysadmin,
        &[
            A::HomeView,
            A::AccountsManage,
            A::PlacesRead,
            A::Open311KeysManage,
        ],
    ),
];

/// Whether `role` may do `action` somewhere in its scope.
pub fn permits(role: Role, action: Action) -> bool {
    POLICY
        .iter()
        .any(|(r, actions)| *r == role && actions.contains(&action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_has_a_row_and_every_action_a_role() {
        for r in Role::ALL {
            assert_eq!(POLICY.iter().filter(|(x, _)| *x == r).count(), 1, "{r:?}");
        }
        for a in Action::ALL {
            assert!(
                Role::ALL.iter().any(|r| permits(*r, a)),
                "{a:?} has no role"
            );
        }
    }

    #[test]
    fn admins_never_touch_personal_data() {
        for r in [Role::Sysadmin, Role::Auditor] {
            for a in Action::ALL {
                assert!(
                    !(permits(r, a) && a.touches_personal_data()),
                    "{r:?} may {a:?}"
                );
            }
        }
        assert!(!permits(Role::Sysadmin, Action::AuditRead));
        assert!(!permits(Role::Auditor, Action::AccountsManage));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
