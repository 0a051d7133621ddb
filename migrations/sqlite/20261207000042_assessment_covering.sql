-- The assessment counts a community's cases filed in a period (answered, on time, due, rated,
-- satisfied; by one worker too): every column it reads is in the index, so it reads the index
-- alone instead of each case's row (issue 23: /street 4× less time at street scale).
-- Kept in lock-step with ../postgres/20261207000042_assessment_covering.sql.
DROP INDEX cases_community_filed;
CREATE INDEX cases_community_filed ON cases(community_id, created_at, replied_at, deadline, satisfied, assignee_user_id);
