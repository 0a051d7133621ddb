-- The 评议考核奖励 of community workers (M14, issue 21 item 7): each year every worker and the
-- head are reviewed once — a grade and, unless not competent, a reward — beside the year's
-- assessment score (computed from the records when shown). A worker is reviewed by the head,
-- the head by the street (rule K3). Kept in lock-step with
-- ../postgres/20261206000032_worker_reviews.sql.
CREATE TABLE worker_reviews (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    year INTEGER NOT NULL,
    grade TEXT NOT NULL,
    reward TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX worker_reviews_once_a_year ON worker_reviews(community_id, user_id, year);
