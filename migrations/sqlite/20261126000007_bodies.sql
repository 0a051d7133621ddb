-- Self-governance bodies (M5, M6, M8, M10, M11, M23): building groups, the deliberation council,
-- the supervisory board, the assembly, associations, the street's leading group; and who sits on
-- them, in which position, from which source, for which term.
-- Kept in lock-step with ../postgres/20261126000007_bodies.sql.

CREATE TABLE bodies (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER REFERENCES communities(id),
    building_id INTEGER REFERENCES buildings(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX bodies_community ON bodies(community_id, kind);

CREATE TABLE body_members (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    resident_id INTEGER REFERENCES residents(id),
    user_id INTEGER REFERENCES users(id),
    name TEXT NOT NULL,
    position TEXT NOT NULL,
    source TEXT NOT NULL,
    term_from TEXT NOT NULL,
    term_to TEXT,
    ended_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX body_members_body ON body_members(body_id);
CREATE INDEX body_members_resident ON body_members(resident_id);
