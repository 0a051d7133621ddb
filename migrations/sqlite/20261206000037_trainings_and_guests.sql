-- The last of the work requirements (issue 21 item 12): staff training (加强学习) sessions and
-- who of the community's staff attended (rule K5); and hearings, briefings and the deliberation
-- hall (民情恳谈、社情发布会、社区议事厅) open to stationed units as well as residents, with the
-- residents and units who came recorded (rule R13). Kept in lock-step with
-- ../postgres/20261206000037_trainings_and_guests.sql.
CREATE TABLE staff_trainings (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    trainer TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX staff_trainings_community ON staff_trainings(community_id, held_on);
CREATE TABLE staff_training_attendance (
    training_id INTEGER NOT NULL REFERENCES staff_trainings(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    PRIMARY KEY (training_id, user_id)
);
ALTER TABLE meetings ADD COLUMN open_to_units INTEGER NOT NULL DEFAULT 0;
CREATE TABLE meeting_guests (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meetings(id),
    resident_id INTEGER REFERENCES residents(id),
    social_unit_id INTEGER REFERENCES social_units(id),
    name TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX meeting_guests_resident ON meeting_guests(meeting_id, resident_id) WHERE resident_id IS NOT NULL;
CREATE UNIQUE INDEX meeting_guests_unit ON meeting_guests(meeting_id, social_unit_id) WHERE social_unit_id IS NOT NULL;
