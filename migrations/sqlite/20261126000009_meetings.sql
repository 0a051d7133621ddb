-- Meetings (M6, M8, M24): the council's monthly meeting, ad hoc meetings, the assembly, resident
-- hearings, briefings and the deliberation hall; their agenda, invitations and attendance,
-- motions and recorded votes, minutes, and residents' comments.
-- Kept in lock-step with ../postgres/20261126000009_meetings.sql.

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    body_id INTEGER NOT NULL REFERENCES bodies(id),
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER REFERENCES communities(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    location TEXT NOT NULL,
    open_to_residents INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    minutes TEXT,
    minutes_published_at TEXT,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX meetings_body ON meetings(body_id, starts_at);
CREATE INDEX meetings_community ON meetings(community_id, starts_at);

CREATE TABLE meeting_items (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    seq INTEGER NOT NULL,
    title TEXT NOT NULL,
    case_id INTEGER REFERENCES cases(id),
    rule_id INTEGER,
    agreement_id INTEGER,
    decision TEXT
);
CREATE INDEX meeting_items_meeting ON meeting_items(meeting_id);
CREATE INDEX meeting_items_case ON meeting_items(case_id);

CREATE TABLE meeting_attendance (
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    member_id INTEGER NOT NULL REFERENCES body_members(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (meeting_id, member_id)
);

CREATE TABLE motions (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    item_id INTEGER REFERENCES meeting_items(id),
    title TEXT NOT NULL,
    threshold TEXT NOT NULL,
    status TEXT NOT NULL,
    votes_yes INTEGER NOT NULL DEFAULT 0,
    votes_no INTEGER NOT NULL DEFAULT 0,
    votes_abstain INTEGER NOT NULL DEFAULT 0,
    decided_at TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX motions_meeting ON motions(meeting_id);

CREATE TABLE motion_votes (
    motion_id INTEGER NOT NULL REFERENCES motions(id),
    member_id INTEGER NOT NULL REFERENCES body_members(id),
    choice TEXT NOT NULL,
    PRIMARY KEY (motion_id, member_id)
);

CREATE TABLE meeting_comments (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX meeting_comments_meeting ON meeting_comments(meeting_id);
