-- The assessment (M22) counts a community's (or a worker's) cases filed within a period: at a
-- street's scale, that wants the filing time in the index.
-- Kept in lock-step with ../postgres/20261126000017_assessment_indexes.sql.

CREATE INDEX cases_community_filed ON cases(community_id, created_at);
CREATE INDEX cases_assignee_filed ON cases(assignee_user_id, created_at);
