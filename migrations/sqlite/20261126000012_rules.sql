-- Rules (M7, M9): the charter, conventions (one per subject) and house rules, through
-- draft → public_comment → legal_review → vote → adopted → published, then amended or repealed.
-- Every version is kept; an adopted version is never edited and enters the publication chain.
-- Kept in lock-step with ../postgres/20261126000012_rules.sql.

CREATE TABLE rules (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind TEXT NOT NULL,
    subject TEXT,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    in_force_version INTEGER,
    comment_until TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    repealed_at TEXT
);
CREATE INDEX rules_community ON rules(community_id, kind);

CREATE TABLE rule_versions (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES rules(id),
    version INTEGER NOT NULL,
    articles TEXT NOT NULL,
    note TEXT NOT NULL,
    reviewed_by INTEGER REFERENCES users(id),
    reviewer TEXT,
    reviewed_at TEXT,
    review_checks TEXT,
    review_note TEXT,
    motion_id INTEGER REFERENCES motions(id),
    adopted_at TEXT,
    published_at TEXT,
    content_hash TEXT,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX rule_versions_number ON rule_versions(rule_id, version);

CREATE TABLE rule_comments (
    id INTEGER PRIMARY KEY,
    rule_id INTEGER NOT NULL REFERENCES rules(id),
    version INTEGER NOT NULL,
    article INTEGER NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    answer TEXT,
    answered_by INTEGER REFERENCES users(id),
    answered_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX rule_comments_rule ON rule_comments(rule_id, version);

ALTER TABLE motions ADD COLUMN rule_id INTEGER REFERENCES rules(id);
