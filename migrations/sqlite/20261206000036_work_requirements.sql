-- The work requirements of the second plan (M23/M24, issue 21 item 12): each community's type
-- for 分类指导 (old town, new estate, mixed, village in the city), set by the street, with the
-- street's yearly targets per type for each of the 五个抓好 goals; each community's progress on
-- them; and the channels a community used to publicize a campaign (标语、横幅、宣传栏、公开信、
-- 居民代表大会…). Rules W6–W7. Kept in lock-step with
-- ../postgres/20261206000036_work_requirements.sql.
ALTER TABLE communities ADD COLUMN community_type TEXT NOT NULL DEFAULT 'mixed';
CREATE TABLE guidance_targets (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    year INTEGER NOT NULL,
    community_type TEXT NOT NULL,
    goal TEXT NOT NULL,
    target TEXT NOT NULL,
    set_by INTEGER NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX guidance_targets_one ON guidance_targets(street_id, year, community_type, goal);
CREATE TABLE goal_progress (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    year INTEGER NOT NULL,
    goal TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    updated_by INTEGER NOT NULL REFERENCES users(id),
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX goal_progress_one ON goal_progress(community_id, year, goal);
CREATE TABLE campaign_publicity (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    channel TEXT NOT NULL,
    held_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX campaign_publicity_campaign ON campaign_publicity(campaign_id, community_id);
