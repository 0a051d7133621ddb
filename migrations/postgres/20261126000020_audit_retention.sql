-- Where the audit chain starts after a retention purge (audit::retention): the last purged
-- entry's sequence number and hash. Before any purge, the chain starts from zero.
CREATE TABLE audit_anchor (
    id BIGINT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    purged_at TEXT
);
INSERT INTO audit_anchor (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE INDEX login_attempts_at ON login_attempts(at);
