-- A body may be part of another: the street leading group's office (办公室) and inspection
-- group (督查组) (M23). Kept in lock-step with ../sqlite/20261126000010_body_parts.sql.

ALTER TABLE bodies ADD COLUMN parent_id BIGINT REFERENCES bodies(id);
