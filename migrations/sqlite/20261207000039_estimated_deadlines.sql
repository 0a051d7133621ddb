-- A case's deadline counted across a year whose holiday announcement was not loaded (issue 22
-- item 5): the year, so that pages and the API flag the deadline as an estimate instead of
-- passing it off as counted by the official calendar. NULL: counted by announced holidays.
-- Kept in lock-step with ../postgres/20261207000039_estimated_deadlines.sql.
ALTER TABLE cases ADD COLUMN deadline_uncovered_year INTEGER;
