-- Chinese substring search on names, the same on both backends: every single character and
-- every pair of adjacent characters of a resident's name, indexed. A search for 王 looks up one
-- gram; a search for 建国 or 王建国 looks up its pairs, and the LIKE that follows keeps only
-- names holding the whole fragment. Kept in lock-step with ../sqlite/20261126000003_name_grams.sql.

CREATE TABLE resident_name_grams (
    resident_id BIGINT NOT NULL REFERENCES residents(id),
    gram TEXT NOT NULL,
    PRIMARY KEY (resident_id, gram)
);
CREATE INDEX resident_name_grams_gram ON resident_name_grams(gram);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO resident_name_grams (resident_id, gram)
SELECT r.id, substr(r.name, n.i, 1) FROM residents r JOIN n ON n.i <= length(r.name)
UNION
SELECT r.id, substr(r.name, n.i, 2) FROM residents r JOIN n ON n.i < length(r.name);

-- Lists page in registration order within a community.
CREATE INDEX residents_community_status ON residents(community_id, status);
