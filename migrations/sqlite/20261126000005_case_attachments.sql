-- Photos attached to cases: checked by content, EXIF (with any GPS position) removed, stored
-- under the data folder. Kept in lock-step with ../postgres/20261126000005_case_attachments.sql.

CREATE TABLE case_attachments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    stored_name TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX case_attachments_case ON case_attachments(case_id);
