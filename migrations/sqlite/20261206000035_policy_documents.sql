-- Building leaders as 政策文件宣传员 (issue 21 item 11): a policy document the community sends
-- to some or all of its buildings, and each household's acknowledgement — visited at the door
-- or confirmed on the phone — recorded by the building's leader (or staff), once per
-- household, so each building's coverage shows (rule K4). Kept in lock-step with
-- ../postgres/20261206000035_policy_documents.sql.
CREATE TABLE policy_documents (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX policy_documents_community ON policy_documents(community_id, sent_on);
CREATE TABLE policy_document_buildings (
    document_id INTEGER NOT NULL REFERENCES policy_documents(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    PRIMARY KEY (document_id, building_id)
);
CREATE TABLE policy_acknowledgements (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES policy_documents(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    building_id INTEGER NOT NULL REFERENCES buildings(id),
    how TEXT NOT NULL,
    on_date TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX policy_acknowledgements_once ON policy_acknowledgements(document_id, household_id);
