-- Seals on the chains (issue 18, audit::seal): an HMAC-SHA256 made with the chain key, which is
-- kept outside the database (platform::chain_key), on every entry and on each head row. Rows
-- written before this migration are sealed once, at the first start that finds no seal at all.
ALTER TABLE audit_log ADD COLUMN mac TEXT;
ALTER TABLE audit_head ADD COLUMN mac TEXT;
ALTER TABLE audit_anchor ADD COLUMN mac TEXT;
ALTER TABLE publications ADD COLUMN mac TEXT;
ALTER TABLE publication_head ADD COLUMN mac TEXT;
-- A case photo's hash, so that verify finds a file changed on disk (audit::integrity).
ALTER TABLE case_attachments ADD COLUMN sha256 TEXT;
