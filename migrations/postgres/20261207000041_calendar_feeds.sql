-- Calendars a phone can subscribe to (issue 22 item 4): each person's meetings behind a private,
-- revocable token (kept as its SHA-256; one per account, replaced when regenerated), and when a
-- meeting last changed, for the feeds' ETag and Last-Modified.
-- Kept in lock-step with ../sqlite/20261207000041_calendar_feeds.sql.
ALTER TABLE meetings ADD COLUMN updated_at TEXT;
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
