-- The appraisal's roll (M10, issue 19): the resident representatives who may vote, fixed when
-- the appraisal opens, so that turnout is counted against it and nobody can shrink or pad it
-- afterwards. Appraisals already open or closed get the representatives of today, plus
-- whoever has voted. Kept in lock-step with ../postgres/20261126000025_rolls.sql.
CREATE TABLE appraisal_roll (
    appraisal_id INTEGER NOT NULL REFERENCES appraisals(id),
    resident_id INTEGER NOT NULL REFERENCES residents(id),
    PRIMARY KEY (appraisal_id, resident_id)
) WITHOUT ROWID;

INSERT INTO appraisal_roll (appraisal_id, resident_id)
SELECT a.id, r.id FROM appraisals a JOIN residents r ON r.community_id = a.community_id
WHERE r.rep_resident = 1 AND r.status = 'living' AND r.locked_at IS NULL
UNION
SELECT appraisal_id, resident_id FROM appraisal_voters;

-- An election's roll (M5): how many could vote, counted when it is tallied, so that the
-- result shows its turnout.
ALTER TABLE elections ADD COLUMN roll INTEGER;
