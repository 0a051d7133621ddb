-- Daily work (M13, M14, M16, M17): building leaders' three notebooks, workers' patrols and weekly
-- meetings, the weekly public-sentiment bulletin, visits (两访) with follow-ups, services and
-- deliveries, and aid plans for households in difficulty.
-- Kept in lock-step with ../postgres/20261126000013_daily.sql.

CREATE TABLE notebook_entries (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    kind TEXT NOT NULL,
    entry_date TEXT NOT NULL,
    body TEXT NOT NULL,
    household_id INTEGER REFERENCES households(id),
    case_id INTEGER REFERENCES cases(id),
    author_id INTEGER REFERENCES users(id),
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX notebook_entries_building ON notebook_entries(building_id, kind, entry_date);
CREATE INDEX notebook_entries_community ON notebook_entries(community_id, entry_date);

CREATE TABLE patrols (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    patrol_date TEXT NOT NULL,
    route TEXT NOT NULL,
    summary TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    author TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX patrols_community ON patrols(community_id, patrol_date);

CREATE TABLE patrol_findings (
    id INTEGER PRIMARY KEY,
    patrol_id INTEGER NOT NULL REFERENCES patrols(id),
    description TEXT NOT NULL,
    building_id INTEGER REFERENCES buildings(id),
    case_id INTEGER REFERENCES cases(id)
);
CREATE INDEX patrol_findings_patrol ON patrol_findings(patrol_id);

CREATE TABLE staff_meetings (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    meeting_date TEXT NOT NULL,
    attendees TEXT NOT NULL,
    notes TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX staff_meetings_community ON staff_meetings(community_id, meeting_date);

CREATE TABLE visits (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    building_id INTEGER REFERENCES buildings(id),
    household_id INTEGER REFERENCES households(id),
    social_unit_id INTEGER REFERENCES social_units(id),
    visit_date TEXT NOT NULL,
    visitors TEXT NOT NULL,
    topics TEXT NOT NULL,
    notes TEXT NOT NULL,
    worker_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX visits_community ON visits(community_id, visit_date);
CREATE INDEX visits_household ON visits(household_id, visit_date);

CREATE TABLE visit_followups (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    description TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id)
);
CREATE INDEX visit_followups_visit ON visit_followups(visit_id);

CREATE TABLE bulletins (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    week_start TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    published_at TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX bulletins_week ON bulletins(community_id, week_start);

CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    title TEXT NOT NULL,
    service_date TEXT NOT NULL,
    place TEXT NOT NULL,
    household_id INTEGER REFERENCES households(id),
    attendance INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX services_community ON services(community_id, service_date);

CREATE TABLE aid_plans (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    reason TEXT NOT NULL,
    plan TEXT NOT NULL,
    status TEXT NOT NULL,
    review TEXT,
    reviewed_at TEXT,
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX aid_plans_community ON aid_plans(community_id, status);

CREATE TABLE aid_actions (
    id INTEGER PRIMARY KEY,
    plan_id INTEGER NOT NULL REFERENCES aid_plans(id),
    action_date TEXT NOT NULL,
    description TEXT NOT NULL,
    amount INTEGER NOT NULL DEFAULT 0,
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX aid_actions_plan ON aid_actions(plan_id);
