-- Privacy of cases (issue 18). Anonymous outputs (the tracking page, Open311 without the
-- community's key) show a case's progress only through a public note that staff choose from a
-- fixed list (cases::model::PublicNote), never the reply or the address as typed.
-- "House rented out" is about a household's whereabouts: sensitive, like the other personal
-- 八必报, and so never filed anonymously nor listed publicly.
-- Kept in lock-step with ../sqlite/20261126000022_privacy.sql.
ALTER TABLE cases ADD COLUMN public_note TEXT;
UPDATE case_categories SET sensitive = 1, public_intake = 0 WHERE code = 'house_rented';
UPDATE cases SET sensitive = 1 WHERE category = 'house_rented';

-- A two-factor code works once (RFC 6238 §5.2): the time step of the last code accepted.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

-- The planner's statistics never hold personal values: no most-common values or histogram
-- bounds are gathered for the columns that hold names, ID numbers and phones (pg_statistic
-- would otherwise keep samples of them, even after a deletion).
ALTER TABLE residents ALTER COLUMN name SET STATISTICS 0;
ALTER TABLE residents ALTER COLUMN id_number SET STATISTICS 0;
ALTER TABLE residents ALTER COLUMN phone SET STATISTICS 0;
ALTER TABLE residents ALTER COLUMN id_last4 SET STATISTICS 0;
ALTER TABLE residents ALTER COLUMN phone_last4 SET STATISTICS 0;
ALTER TABLE cases ALTER COLUMN contact_name SET STATISTICS 0;
ALTER TABLE cases ALTER COLUMN contact_phone SET STATISTICS 0;
