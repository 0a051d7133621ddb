-- Two-factor login (TOTP, RFC 6238): the account's shared secret (base32) once enrolled, and
-- the demo's exemption of its own accounts from the requirement for admin roles.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_exempt BIGINT NOT NULL DEFAULT 0;
