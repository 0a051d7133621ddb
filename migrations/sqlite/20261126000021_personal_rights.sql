-- Residents' rights under PIPL Arts. 44–50 (registry::rights): a deletion request is answered
-- by deleting the personal data where the law allows it, or else by locking the record (kept,
-- no longer processed) with the reason shown to the resident.
-- Kept in lock-step with ../postgres/20261126000021_personal_rights.sql.
ALTER TABLE residents ADD COLUMN locked_at TEXT;
ALTER TABLE residents ADD COLUMN lock_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE residents ADD COLUMN erased_at TEXT;

CREATE TABLE erasure_requests (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    user_id INTEGER REFERENCES users(id),
    message TEXT NOT NULL,
    -- open, erased or locked.
    status TEXT NOT NULL,
    -- Why the record was locked instead (the legal basis), shown to the resident.
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT
);
CREATE INDEX erasure_requests_community ON erasure_requests(community_id, status);
CREATE INDEX erasure_requests_resident ON erasure_requests(resident_id);
