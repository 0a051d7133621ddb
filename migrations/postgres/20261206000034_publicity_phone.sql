-- The 公示 telephone (M19, issue 21 item 10): the number a community's notices give to call
-- with an objection, and objections taken on it — entered by the staff member who took the
-- call (user_id), under the objector's real name as a living resident of the community
-- (resident_id), marked by_phone, and handled like any other (rule D9). Kept in lock-step with
-- ../sqlite/20261206000034_publicity_phone.sql.
ALTER TABLE communities ADD COLUMN publicity_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE disclosure_objections ADD COLUMN by_phone BIGINT NOT NULL DEFAULT 0;
ALTER TABLE disclosure_objections ADD COLUMN resident_id BIGINT REFERENCES residents(id);
ALTER TABLE election_objections ADD COLUMN by_phone BIGINT NOT NULL DEFAULT 0;
ALTER TABLE election_objections ADD COLUMN resident_id BIGINT REFERENCES residents(id);
