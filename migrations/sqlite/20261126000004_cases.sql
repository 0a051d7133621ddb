-- Cases (M12, M14, M15): every request answered, every matter fed back.
-- Kept in lock-step with ../postgres/20261126000004_cases.sql.

-- Categories: the defaults (community_id NULL) and each community's own settings.
CREATE TABLE case_categories (
    id INTEGER PRIMARY KEY,
    community_id INTEGER REFERENCES communities(id),
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    deadline_days INTEGER NOT NULL,
    responsible_role TEXT NOT NULL,
    sensitive INTEGER NOT NULL DEFAULT 0,
    public_intake INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX case_categories_code ON case_categories(code, community_id);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    building_id INTEGER REFERENCES buildings(id),
    category TEXT NOT NULL,
    sensitive INTEGER NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    description TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    submitter_user_id INTEGER REFERENCES users(id),
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    client_ip TEXT NOT NULL DEFAULT '',
    tracking_code TEXT NOT NULL UNIQUE,
    assignee_user_id INTEGER REFERENCES users(id),
    deadline TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    reject_reason TEXT NOT NULL DEFAULT '',
    reopen_count INTEGER NOT NULL DEFAULT 0,
    satisfied INTEGER,
    feedback TEXT NOT NULL DEFAULT '',
    supervised_at TEXT,
    supervision_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    replied_at TEXT,
    closed_at TEXT
);
CREATE INDEX cases_community_created ON cases(community_id, id);
CREATE INDEX cases_community_status ON cases(community_id, status);
CREATE INDEX cases_deadline ON cases(status, deadline);
CREATE INDEX cases_submitter ON cases(submitter_user_id);
CREATE INDEX cases_client ON cases(client_ip, created_at);

-- The timeline: every transition, timestamped and attributed; `public` steps show on tracking.
CREATE TABLE case_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    public INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX case_events_case ON case_events(case_id, id);

-- Notifications waiting to be delivered (in the app, or through the operator's webhook).
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    user_id INTEGER REFERENCES users(id),
    case_id INTEGER REFERENCES cases(id),
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at TEXT,
    delivered_at TEXT
);
CREATE INDEX outbox_user ON outbox(user_id, id);
CREATE INDEX outbox_undelivered ON outbox(delivered_at, id);

INSERT INTO case_categories (community_id, code, kind, deadline_days, responsible_role, sensitive, public_intake) VALUES
    (NULL, 'public_facility', 'mandatory_report', 5, 'community_worker', 0, 1),
    (NULL, 'dirty_alley', 'mandatory_report', 3, 'community_worker', 0, 1),
    (NULL, 'new_pregnancy', 'mandatory_report', 5, 'community_worker', 1, 0),
    (NULL, 'incoming_outsider', 'mandatory_report', 3, 'community_worker', 1, 0),
    (NULL, 'serious_illness', 'mandatory_report', 2, 'community_head', 1, 0),
    (NULL, 'house_rented', 'mandatory_report', 5, 'community_worker', 0, 0),
    (NULL, 'safety_hazard', 'mandatory_report', 2, 'community_head', 0, 1),
    (NULL, 'instability', 'mandatory_report', 1, 'community_head', 1, 0),
    (NULL, 'environment', 'request', 5, 'community_worker', 0, 1),
    (NULL, 'public_order', 'request', 3, 'community_worker', 0, 1),
    (NULL, 'neighbour_dispute', 'request', 5, 'community_worker', 0, 1),
    (NULL, 'repairs', 'request', 5, 'community_worker', 0, 1),
    (NULL, 'policy_question', 'request', 3, 'community_worker', 0, 1),
    (NULL, 'other', 'request', 5, 'community_worker', 0, 1);
