-- The annual assembly's agenda (M8; issue 21): each item says what kind of business it is, so
-- that the assembly's standing business (the committee's work report, the charter and
-- agreements, the review of agreement performance, rewards and liabilities, the family-planning
-- measures) is on every annual agenda and decided there. Items before this are 'general'. Kept
-- in lock-step with ../postgres/20261126000028_assembly_agenda.sql.
ALTER TABLE meeting_items ADD COLUMN kind TEXT NOT NULL DEFAULT 'general';
CREATE INDEX meetings_kind ON meetings(community_id, kind, status);
