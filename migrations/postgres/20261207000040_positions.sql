-- Where a request was filed, as the filer gave it (issue 22 item 1): Open311 clients send lat/long
-- (WGS84). Kept as filed for the community's own staff and keyed clients; anonymous clients are
-- given only the building's position, never a unit's. Buildings get a position for that.
-- Kept in lock-step with ../sqlite/20261207000040_positions.sql.
ALTER TABLE cases ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE cases ADD COLUMN lng DOUBLE PRECISION;
ALTER TABLE buildings ADD COLUMN lat DOUBLE PRECISION;
ALTER TABLE buildings ADD COLUMN lng DOUBLE PRECISION;
