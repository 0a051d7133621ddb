-- Work admission (M21): what a street department or district bureau may hand to communities,
-- decided collectively by the street leadership as a motion at a meeting of the leading group;
-- and the unadmitted tasks communities report, which the street follows up.
-- Kept in lock-step with ../postgres/20261126000015_admissions.sql.

CREATE TABLE admissions (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    applicant TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    target_communities TEXT NOT NULL,
    powers TEXT NOT NULL,
    time_limit TEXT NOT NULL,
    funding TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    status TEXT NOT NULL,
    motion_id INTEGER REFERENCES motions(id),
    reason TEXT,
    decided_at TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX admissions_street ON admissions(street_id, status);

CREATE TABLE unadmitted_tasks (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    sender TEXT NOT NULL,
    description TEXT NOT NULL,
    received_on TEXT NOT NULL,
    follow_up TEXT,
    followed_up_at TEXT,
    reported_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX unadmitted_tasks_community ON unadmitted_tasks(community_id, received_on);
CREATE INDEX unadmitted_tasks_sender ON unadmitted_tasks(street_id, sender);

ALTER TABLE motions ADD COLUMN admission_id INTEGER REFERENCES admissions(id);
