-- The association's voice (M11; issue 21): an association (计划生育协会 and others) files
-- opinions and proposals to the committee, each a case of the category association_proposal
-- (kind 'proposal', filed only on an association's behalf, never from the public form) that
-- names the association and is answered like any case; and it sends members to the
-- supervisory board, a seat whose source is 'delegated' naming the association that sent it.
-- Kept in lock-step with ../postgres/20261126000030_associations.sql.
ALTER TABLE cases ADD COLUMN body_id INTEGER REFERENCES bodies(id);
CREATE INDEX cases_body ON cases(body_id);
INSERT INTO case_categories (community_id, code, kind, deadline_days, responsible_role, sensitive, public_intake) VALUES
    (NULL, 'association_proposal', 'proposal', 10, 'community_head', 0, 0);
ALTER TABLE body_members ADD COLUMN delegated_by INTEGER REFERENCES bodies(id);
