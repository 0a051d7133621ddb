-- Two-sided agreements (M20) between the committee and a household: each side's obligations,
-- signing, performance checked per obligation, breach records against either party, the yearly
-- review for the assembly, renewal. Kept in lock-step with ../postgres/20261126000014_agreements.sql.

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    street_id INTEGER NOT NULL REFERENCES streets(id),
    community_id INTEGER NOT NULL REFERENCES communities(id),
    household_id INTEGER NOT NULL REFERENCES households(id),
    template TEXT NOT NULL,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    signed_on TEXT,
    signing_method TEXT,
    reviewed_on TEXT,
    review_note TEXT,
    renews_id INTEGER REFERENCES agreements(id),
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX agreements_community ON agreements(community_id, status);
CREATE INDEX agreements_household ON agreements(household_id);

CREATE TABLE agreement_obligations (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    party TEXT NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    performance TEXT NOT NULL,
    checked_on TEXT,
    checked_by INTEGER REFERENCES users(id)
);
CREATE INDEX agreement_obligations_agreement ON agreement_obligations(agreement_id);

CREATE TABLE agreement_breaches (
    id INTEGER PRIMARY KEY,
    agreement_id INTEGER NOT NULL REFERENCES agreements(id),
    party TEXT NOT NULL,
    obligation_id INTEGER REFERENCES agreement_obligations(id),
    occurred_on TEXT NOT NULL,
    description TEXT NOT NULL,
    remedy TEXT NOT NULL,
    author_id INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX agreement_breaches_agreement ON agreement_breaches(agreement_id);
