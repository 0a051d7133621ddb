-- Privacy of cases (issue 18). Anonymous outputs (the tracking page, Open311 without the
-- community's key) show a case's progress only through a public note that staff choose from a
-- fixed list (cases::model::PublicNote), never the reply or the address as typed.
-- "House rented out" is about a household's whereabouts: sensitive, like the other personal
-- 八必报, and so never filed anonymously nor listed publicly.
-- Kept in lock-step with ../postgres/20261126000022_privacy.sql.
ALTER TABLE cases ADD COLUMN public_note TEXT;
UPDATE case_categories SET sensitive = 1, public_intake = 0 WHERE code = 'house_rented';
UPDATE cases SET sensitive = 1 WHERE category = 'house_rented';

-- A two-factor code works once (RFC 6238 §5.2): the time step of the last code accepted.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- Statistics: SQLite's sqlite_stat4 would keep sample rows of indexed columns (names, ID
-- numbers). Db::analyze and Db::migrate empty it (only sqlite_stat1's counts are kept); the
-- table may not exist, so that is done in code, not here.
