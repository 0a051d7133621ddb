-- The duplicate check (the same text filed twice within two minutes) looks cases up by the start
-- of their text. Without it, the check walked every case from the same address or the same
-- account: at an integration's or a busy resident's pace, thousands of rows per submission.
-- Kept in lock-step with ../postgres/20261126000018_duplicate_check_index.sql.

CREATE INDEX cases_duplicate ON cases(substr(description, 1, 24), created_at);
