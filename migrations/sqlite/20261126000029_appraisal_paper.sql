-- Paper ballots for democratic appraisals (M10; issue 21), as elections have them: a batch is
-- entered by one person and counts only once a second person has entered the same ballots
-- again; its ballots then join the stored ballots, under random keys like the online ones.
-- `entry` is the batch's ballots in canonical order, for comparing the two entries. Kept in
-- lock-step with ../postgres/20261126000029_appraisal_paper.sql.
CREATE TABLE appraisal_paper_batches (
    id INTEGER PRIMARY KEY,
    appraisal_id INTEGER NOT NULL REFERENCES appraisals(id),
    label TEXT NOT NULL,
    ballots INTEGER NOT NULL,
    entry TEXT NOT NULL,
    entered_by INTEGER NOT NULL REFERENCES users(id),
    entered_at TEXT NOT NULL,
    confirmed_by INTEGER REFERENCES users(id),
    confirmed_at TEXT
);
CREATE INDEX appraisal_paper_batches_appraisal ON appraisal_paper_batches(appraisal_id);
