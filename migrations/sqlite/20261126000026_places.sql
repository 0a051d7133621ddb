-- Places that change (M1, M2; issue 21): a compound's custody is recorded with its custodian
-- community and the day custody began, its occupancy as the property office reports it (homes
-- and homes moved into), and the day its own committee was set up, when the compound passed to
-- a community of its own. Names are unique within their parent, so that imports and forms find
-- one place by its name. Kept in lock-step with ../postgres/20261126000026_places.sql.
ALTER TABLE compounds ADD COLUMN custodian_community_id INTEGER REFERENCES communities(id);
ALTER TABLE compounds ADD COLUMN custodian_since TEXT;
ALTER TABLE compounds ADD COLUMN committee_set_up_on TEXT;
ALTER TABLE compounds ADD COLUMN homes INTEGER;
ALTER TABLE compounds ADD COLUMN moved_in INTEGER;
ALTER TABLE compounds ADD COLUMN updated_at TEXT;
UPDATE compounds SET custodian_community_id = community_id, custodian_since = substr(created_at, 1, 10)
WHERE custodial = 1;
CREATE UNIQUE INDEX compounds_name ON compounds(community_id, name);

ALTER TABLE communities ADD COLUMN updated_at TEXT;
CREATE UNIQUE INDEX communities_name ON communities(street_id, name);
ALTER TABLE buildings ADD COLUMN updated_at TEXT;
