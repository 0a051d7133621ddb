-- One matter, one convention (M7 一事一约; issue 21): a convention names its matter in free words
-- (噪音管理, 楼道堆物…), and only a second convention on the same matter is refused, not a
-- second one under the same broad subject, which stays as an optional category. matter_key is
-- the matter as compared (rules::matter_key: no spaces or punctuation, no trailing 公约). The
-- conventions already drafted take their subject's name as their matter. Kept in lock-step with
-- ../postgres/20261126000027_convention_matter.sql.
ALTER TABLE rules ADD COLUMN matter TEXT;
ALTER TABLE rules ADD COLUMN matter_key TEXT;
UPDATE rules SET matter = CASE subject
    WHEN 'environment' THEN '环境卫生'
    WHEN 'public_order' THEN '治安'
    WHEN 'public_works' THEN '公益事业'
    WHEN 'facilities' THEN '公共设施'
    WHEN 'dogs' THEN '文明养犬'
    WHEN 'parking' THEN '停车管理'
    ELSE title END
WHERE kind = 'convention';
UPDATE rules SET matter_key = matter WHERE kind = 'convention';
CREATE UNIQUE INDEX rules_one_per_matter ON rules(community_id, matter_key)
WHERE kind = 'convention' AND status <> 'repealed';
