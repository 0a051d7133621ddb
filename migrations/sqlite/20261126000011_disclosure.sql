-- Public disclosure (M18, M19): categories with their cadence and privacy settings, notices with
-- finance lines and attachments, real-name objections, and the publication hash chain that also
-- covers adopted rule versions. A published notice is never edited: a correction is a new notice
-- that references the old one. Kept in lock-step with ../postgres/20261126000011_disclosure.sql.

CREATE TABLE disclosure_categories (
    id INTEGER PRIMARY KEY,
    community_id INTEGER REFERENCES communities(id),
    code TEXT NOT NULL,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    cadence TEXT NOT NULL,
    due_working_days INTEGER NOT NULL,
    names_public INTEGER NOT NULL DEFAULT 0,
    expires INTEGER NOT NULL DEFAULT 0,
    finance INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX disclosure_categories_code ON disclosure_categories(code, community_id);

CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    channel TEXT NOT NULL,
    period TEXT,
    publicity_days INTEGER NOT NULL,
    income_total INTEGER,
    expense_total INTEGER,
    corrects_id INTEGER REFERENCES disclosures(id),
    status TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    author TEXT NOT NULL,
    publish_date TEXT,
    publicity_until TEXT,
    published_at TEXT,
    content_hash TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX disclosures_community ON disclosures(community_id, status, publish_date);
CREATE INDEX disclosures_period ON disclosures(community_id, category, period);

CREATE TABLE disclosure_lines (
    id INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosures(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    item TEXT NOT NULL,
    amount INTEGER NOT NULL
);
CREATE INDEX disclosure_lines_disclosure ON disclosure_lines(disclosure_id);

CREATE TABLE disclosure_attachments (
    id INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosures(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX disclosure_attachments_disclosure ON disclosure_attachments(disclosure_id);

CREATE TABLE disclosure_objections (
    id INTEGER PRIMARY KEY,
    disclosure_id INTEGER NOT NULL REFERENCES disclosures(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    objector_name TEXT NOT NULL,
    body TEXT NOT NULL,
    outcome TEXT,
    handling TEXT,
    handled_by INTEGER REFERENCES users(id),
    handled_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX disclosure_objections_disclosure ON disclosure_objections(disclosure_id);

CREATE TABLE publications (
    seq INTEGER NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX publications_object ON publications(kind, object_id);

CREATE TABLE publication_head (
    id INTEGER NOT NULL PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO publication_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The default categories (community_id NULL); a community may add its own.
INSERT INTO disclosure_categories (community_id, code, name_zh, name_en, cadence, due_working_days, names_public, expires, finance, created_at) VALUES
    (NULL, 'major_matters', '居务公开', 'Major matters', 'quarterly', 10, 0, 0, 0, '2026-11-26T00:00:00.000000Z'),
    (NULL, 'finance', '财务公开', 'Finance', 'monthly', 10, 0, 0, 1, '2026-11-26T00:00:00.000000Z'),
    (NULL, 'family_planning', '计划生育“四公开”', 'Family-planning four disclosures', 'quarterly', 10, 0, 0, 0, '2026-11-26T00:00:00.000000Z'),
    (NULL, 'policies', '政策法规', 'Policies and laws', 'none', 0, 0, 0, 0, '2026-11-26T00:00:00.000000Z'),
    (NULL, 'aid_recipients', '救助对象公示', 'Aid recipients', 'none', 0, 1, 1, 0, '2026-11-26T00:00:00.000000Z'),
    (NULL, 'elections', '选举公示', 'Elections', 'none', 0, 1, 0, 0, '2026-11-26T00:00:00.000000Z');
