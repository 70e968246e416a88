-- Join codes and the participants who joined with them. Codes and tokens are stored only as
-- SHA-256 hashes; `code_hint` (the code's first characters) lets a coordinator tell invites apart.
CREATE TABLE invites (
    id               TEXT PRIMARY KEY,
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    code_hash        TEXT NOT NULL UNIQUE,
    code_hint        TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT,
    max_participants BIGINT,
    revoked_at       TEXT,
    -- Creation order (several invites may share a second).
    seq              BIGINT NOT NULL
);
CREATE INDEX invites_by_organization ON invites (campaign_id, organization_id);

-- A participant is pseudonymous: an id the service made up, an optional nickname only they see,
-- and a token. No name, phone or email.
CREATE TABLE joined_participants (
    id              TEXT PRIMARY KEY,
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    invite_id       TEXT NOT NULL REFERENCES invites (id),
    token_hash      TEXT NOT NULL UNIQUE,
    nickname        TEXT,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT
);
CREATE INDEX joined_participants_by_invite ON joined_participants (invite_id);
CREATE INDEX joined_participants_by_organization ON joined_participants (campaign_id, organization_id);
