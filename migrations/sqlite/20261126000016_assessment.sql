-- Supervision and appraisal (M10), performance assessment (M22) and rollout campaigns (M23).
-- Evaluations keep the checklist as it stood when the supervisory board signed it, figures
-- pre-filled from zizhi's own records included. Appraisal ballots carry no voter, no time and
-- no insertion order (a random key in a table without rowid); who has voted is kept apart.
-- Kept in lock-step with ../postgres/20261126000016_assessment.sql.

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    period TEXT NOT NULL,
    checklist TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX evaluations_community ON evaluations(community_id, period);

CREATE TABLE appraisals (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title TEXT NOT NULL,
    period TEXT NOT NULL,
    status TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    ballots_counted INTEGER,
    disclosure_id INTEGER REFERENCES disclosures(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX appraisals_community ON appraisals(community_id, period);

CREATE TABLE appraisal_subjects (
    id INTEGER PRIMARY KEY,
    appraisal_id INTEGER NOT NULL REFERENCES appraisals(id),
    user_id INTEGER REFERENCES users(id),
    name TEXT NOT NULL,
    post TEXT NOT NULL,
    satisfied INTEGER,
    basically INTEGER,
    unsatisfied INTEGER
);
CREATE INDEX appraisal_subjects_appraisal ON appraisal_subjects(appraisal_id);

CREATE TABLE appraisal_voters (
    appraisal_id INTEGER NOT NULL REFERENCES appraisals(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    PRIMARY KEY (appraisal_id, resident_id)
) WITHOUT ROWID;

CREATE TABLE appraisal_ballots (
    token TEXT PRIMARY KEY,
    appraisal_id INTEGER NOT NULL REFERENCES appraisals(id),
    choices TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX appraisal_ballots_appraisal ON appraisal_ballots(appraisal_id);

CREATE TABLE assessment_weights (
    street_id INTEGER NOT NULL REFERENCES streets(id),
    component TEXT NOT NULL,
    weight INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (street_id, component)
) WITHOUT ROWID;

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    title TEXT NOT NULL,
    leading_group_id INTEGER NOT NULL REFERENCES bodies(id),
    office_id INTEGER REFERENCES bodies(id),
    inspection_id INTEGER REFERENCES bodies(id),
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE campaign_phases (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    phase TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL
);
CREATE INDEX campaign_phases_campaign ON campaign_phases(campaign_id);

CREATE TABLE campaign_tasks (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    phase TEXT NOT NULL,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title TEXT NOT NULL,
    due_on TEXT NOT NULL,
    done_on TEXT,
    done_note TEXT,
    done_by INTEGER REFERENCES users(id),
    inspected_on TEXT,
    inspection TEXT,
    inspection_note TEXT,
    inspected_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX campaign_tasks_campaign ON campaign_tasks(campaign_id, community_id);

INSERT INTO disclosure_categories (community_id, code, name_zh, name_en, cadence, due_working_days, names_public, expires, finance, created_at) VALUES
    (NULL, 'appraisal', '民主评议结果', 'Democratic appraisal results', 'none', 0, 1, 0, 0, '2026-11-26T00:00:00.000000Z');
