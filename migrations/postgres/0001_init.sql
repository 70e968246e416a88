-- Same schema and meaning as migrations/sqlite: every table is keyed by campaign_id first, so
-- that it can be distributed by campaign on a sharded engine (see README, "Scale-out").
CREATE TABLE campaigns (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL,
    region             TEXT,
    time_zone          TEXT NOT NULL,
    starts_on          DATE NOT NULL,
    ends_on            DATE NOT NULL,
    factor_set_id      TEXT NOT NULL,
    factor_set_version TEXT NOT NULL,
    factor_set_json    TEXT NOT NULL,
    baseline_mode      TEXT NOT NULL,
    public             BOOLEAN NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    revision           BIGINT NOT NULL
);

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    city       TEXT,
    headcount  BIGINT,
    created_at TEXT NOT NULL
);

CREATE TABLE enrollments (
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    enrolled_at     TEXT NOT NULL,
    PRIMARY KEY (campaign_id, organization_id)
);
CREATE INDEX enrollments_by_organization ON enrollments (organization_id);

-- Keys are stored only as SHA-256 hashes.
CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    key_hash        TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT
);

CREATE TABLE trips (
    id              BIGSERIAL PRIMARY KEY,
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    participant     TEXT NOT NULL,
    date            DATE NOT NULL,
    direction       TEXT NOT NULL,
    main_mode       TEXT NOT NULL,
    distance_m      BIGINT NOT NULL,
    co2e_g          BIGINT NOT NULL,
    baseline_co2e_g BIGINT NOT NULL,
    savings_g       BIGINT NOT NULL,
    detail          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (campaign_id, organization_id, participant, date, direction)
);
CREATE INDEX trips_by_organization ON trips (campaign_id, organization_id, id);
CREATE INDEX trips_by_campaign ON trips (campaign_id, id);

CREATE TABLE org_totals (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    trips           BIGINT NOT NULL,
    participants    BIGINT NOT NULL,
    distance_m      BIGINT NOT NULL,
    co2e_g          BIGINT NOT NULL,
    baseline_co2e_g BIGINT NOT NULL,
    savings_g       BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, organization_id)
);

CREATE TABLE org_mode_totals (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    mode            TEXT NOT NULL,
    trips           BIGINT NOT NULL,
    distance_m      BIGINT NOT NULL,
    co2e_g          BIGINT NOT NULL,
    baseline_co2e_g BIGINT NOT NULL,
    savings_g       BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, mode)
);

CREATE TABLE org_day_totals (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    date            DATE NOT NULL,
    trips           BIGINT NOT NULL,
    distance_m      BIGINT NOT NULL,
    co2e_g          BIGINT NOT NULL,
    baseline_co2e_g BIGINT NOT NULL,
    savings_g       BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, date)
);

CREATE TABLE participants (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    participant     TEXT NOT NULL,
    trips           BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, participant)
);
