-- Elections (M5, M6): nominating → publicity → voting → tallied → announced.
-- Ballots carry no voter, no time and no insertion order (a random key in a table without
-- rowid); who has voted is kept apart, in election_voters, so each voter votes once.
-- Kept in lock-step with ../postgres/20261126000008_elections.sql.

CREATE TABLE elections (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER REFERENCES communities(id),
    building_id INTEGER REFERENCES buildings(id),
    title TEXT NOT NULL,
    position TEXT NOT NULL,
    seats INTEGER NOT NULL,
    electorate TEXT NOT NULL,
    status TEXT NOT NULL,
    publicity_days INTEGER NOT NULL,
    publicity_from TEXT,
    publicity_until TEXT,
    voting_opens TEXT,
    voting_closes TEXT,
    term_from TEXT NOT NULL,
    term_to TEXT,
    ballots_counted INTEGER,
    blank_ballots INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    announced_at TEXT
);
CREATE INDEX elections_body ON elections(body_id);
CREATE INDEX elections_community ON elections(community_id, status);

CREATE TABLE election_nominations (
    id INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    name TEXT NOT NULL,
    method TEXT NOT NULL,
    recommender TEXT,
    party_representative INTEGER NOT NULL DEFAULT 0,
    npc_deputy INTEGER NOT NULL DEFAULT 0,
    cppcc_member INTEGER NOT NULL DEFAULT 0,
    resident_representative INTEGER NOT NULL DEFAULT 0,
    statement TEXT NOT NULL,
    disqualified INTEGER NOT NULL DEFAULT 0,
    votes INTEGER,
    elected INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX election_nominations_once ON election_nominations(election_id, resident_id);

CREATE TABLE election_objections (
    id INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    nomination_id INTEGER REFERENCES election_nominations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    objector_name TEXT NOT NULL,
    body TEXT NOT NULL,
    outcome TEXT,
    handling TEXT,
    handled_by INTEGER REFERENCES users(id),
    handled_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX election_objections_election ON election_objections(election_id);

CREATE TABLE election_voters (
    election_id INTEGER NOT NULL REFERENCES elections(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (election_id, user_id)
) WITHOUT ROWID;

CREATE TABLE election_paper_batches (
    id INTEGER PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    label TEXT NOT NULL,
    ballots INTEGER NOT NULL,
    entry TEXT NOT NULL,
    entered_by INTEGER NOT NULL REFERENCES users(id),
    entered_at TEXT NOT NULL,
    confirmed_by INTEGER REFERENCES users(id),
    confirmed_at TEXT
);
CREATE INDEX election_paper_batches_election ON election_paper_batches(election_id);

CREATE TABLE election_ballots (
    token TEXT PRIMARY KEY,
    election_id INTEGER NOT NULL REFERENCES elections(id),
    choices TEXT NOT NULL,
    batch_id INTEGER REFERENCES election_paper_batches(id)
) WITHOUT ROWID;
CREATE INDEX election_ballots_election ON election_ballots(election_id);
