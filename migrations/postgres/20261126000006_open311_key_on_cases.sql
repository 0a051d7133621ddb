-- Which Open311 key filed a case, for per-key rate limits an operator may set.
-- Kept in lock-step with ../sqlite/20261126000006_open311_key_on_cases.sql.
ALTER TABLE cases ADD COLUMN open311_key_id BIGINT REFERENCES open311_keys(id);
CREATE INDEX cases_by_open311_key ON cases(open311_key_id, created_at);
