-- Registry (M1–M4, M16 ledgers): search keys, move history, stationed units, social
-- organizations and their members, volunteers, party organizations, correction requests.
-- Kept in lock-step with ../postgres/20261126000002_registry.sql.

ALTER TABLE residents ADD COLUMN id_last4 TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN phone_last4 TEXT NOT NULL DEFAULT '';
UPDATE residents SET id_last4 = substr(id_number, 15, 4), phone_last4 = substr(phone, 8, 4);
CREATE INDEX residents_id_last4 ON residents(community_id, id_last4);
CREATE INDEX residents_phone_last4 ON residents(community_id, phone_last4);

CREATE TABLE resident_moves (
    id INTEGER PRIMARY KEY,
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    kind TEXT NOT NULL,
    on_date TEXT NOT NULL,
    household_id INTEGER REFERENCES households(id),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX resident_moves_resident ON resident_moves(resident_id);

CREATE TABLE social_units (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    employees INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX social_units_community ON social_units(community_id);

CREATE TABLE social_orgs (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    founded_on TEXT NOT NULL,
    leader_resident_id INTEGER REFERENCES residents(id),
    activities TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX social_orgs_community ON social_orgs(community_id);

CREATE TABLE social_org_members (
    org_id INTEGER NOT NULL REFERENCES social_orgs(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    position TEXT NOT NULL DEFAULT 'member',
    joined_on TEXT NOT NULL,
    PRIMARY KEY (org_id, resident_id)
);

CREATE TABLE volunteers (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    skills TEXT NOT NULL DEFAULT '',
    hours INTEGER NOT NULL DEFAULT 0,
    since TEXT NOT NULL,
    UNIQUE (resident_id)
);
CREATE INDEX volunteers_community ON volunteers(community_id);

CREATE TABLE party_orgs (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    form TEXT NOT NULL,
    secretary_resident_id INTEGER REFERENCES residents(id),
    created_at TEXT NOT NULL
);
CREATE INDEX party_orgs_community ON party_orgs(community_id);

CREATE TABLE correction_requests (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    field TEXT NOT NULL,
    message TEXT NOT NULL,
    status TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    handled_at TEXT,
    handled_by TEXT
);
CREATE INDEX correction_requests_community ON correction_requests(community_id, status);
CREATE INDEX correction_requests_resident ON correction_requests(resident_id);
