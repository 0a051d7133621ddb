-- The reception room (社情民意接待室, M15; issue 21): who receives residents on which day
-- (party members, deputies, residents' representatives, volunteers), and each walk-in request
-- recorded against the one on duty. The online "virtual reception room" files consultations
-- as cases of the channel virtual_reception, answered like any other. Kept in lock-step with
-- ../postgres/20261126000031_reception.sql.
CREATE TABLE reception_duty (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    on_date TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX reception_duty_one ON reception_duty(community_id, on_date, name);
ALTER TABLE cases ADD COLUMN receptionist_id INTEGER REFERENCES reception_duty(id);
