-- Foundation: places (registry area), accounts and grants (auth area), audit log (audit area).
-- Flags are integers 0/1 on both backends (sqlx's Any driver has no SQLite boolean).
-- Kept in lock-step with ../postgres/20261126000001_foundation.sql (tests/it/schema.rs compares them).

CREATE TABLE streets (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    district TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE communities (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX communities_street ON communities(street_id);

CREATE TABLE compounds (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    name TEXT NOT NULL,
    custodial INTEGER NOT NULL DEFAULT 0,
    has_committee INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX compounds_community ON compounds(community_id);

CREATE TABLE buildings (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    compound_id INTEGER NOT NULL REFERENCES compounds(id),
    number TEXT NOT NULL,
    units INTEGER NOT NULL,
    floors INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (compound_id, number)
);
CREATE INDEX buildings_community ON buildings(community_id);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    number INTEGER NOT NULL,
    UNIQUE (building_id, number)
);

CREATE TABLE households (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    door_number TEXT NOT NULL,
    address TEXT NOT NULL,
    occupied INTEGER NOT NULL DEFAULT 1,
    tags TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (unit_id, door_number)
);
CREATE INDEX households_building ON households(building_id);
CREATE INDEX households_community ON households(community_id);

CREATE TABLE residents (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    name TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    id_number TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL DEFAULT '',
    ethnicity TEXT NOT NULL DEFAULT '汉族',
    political_status TEXT NOT NULL DEFAULT 'masses',
    rep_party INTEGER NOT NULL DEFAULT 0,
    rep_npc INTEGER NOT NULL DEFAULT 0,
    rep_cppcc INTEGER NOT NULL DEFAULT 0,
    rep_resident INTEGER NOT NULL DEFAULT 0,
    moved_in TEXT NOT NULL,
    moved_out TEXT,
    status TEXT NOT NULL DEFAULT 'living',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX residents_household ON residents(household_id);
CREATE INDEX residents_building ON residents(building_id);
CREATE INDEX residents_community_name ON residents(community_id, name);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    resident_id INTEGER REFERENCES residents(id),
    lang TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    street_id INTEGER REFERENCES streets(id),
    community_id INTEGER REFERENCES communities(id),
    building_id INTEGER REFERENCES buildings(id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX grants_user ON grants(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    at TEXT NOT NULL,
    succeeded INTEGER NOT NULL
);
CREATE INDEX login_attempts_user_ip ON login_attempts(username, client_ip, at);
CREATE INDEX login_attempts_ip ON login_attempts(client_ip, at);

CREATE TABLE open311_keys (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    label TEXT NOT NULL,
    rate_limit_per_minute INTEGER,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- The audit log is a hash chain: every entry's hash covers its fields and the previous hash.
-- audit_head holds the chain's tip; updating it first in each writing transaction serializes
-- appends on every backend (a row lock on PostgreSQL, the single writer on SQLite).
CREATE TABLE audit_head (
    id INTEGER NOT NULL PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq INTEGER NOT NULL PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    street_id INTEGER,
    community_id INTEGER,
    building_id INTEGER,
    result TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
