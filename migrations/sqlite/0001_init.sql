-- Campaigns keep a snapshot of their factor set: results never change when files change.
CREATE TABLE campaigns (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL,
    region             TEXT,
    time_zone          TEXT NOT NULL,
    starts_on          TEXT NOT NULL,
    ends_on            TEXT NOT NULL,
    factor_set_id      TEXT NOT NULL,
    factor_set_version TEXT NOT NULL,
    factor_set_json    TEXT NOT NULL,
    baseline_mode      TEXT NOT NULL,
    public             INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    revision           INTEGER NOT NULL
);

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    city       TEXT,
    headcount  INTEGER,
    created_at TEXT NOT NULL
);

CREATE TABLE enrollments (
    campaign_id     TEXT NOT NULL REFERENCES campaigns (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    enrolled_at     TEXT NOT NULL,
    PRIMARY KEY (campaign_id, organization_id)
) WITHOUT ROWID;

-- Keys are stored only as SHA-256 hashes.
CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    key_hash        TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    revoked_at      TEXT
);

-- One row per trip; the unique key is the trip key (a round trip is checked against both
-- directions by the store before inserting). AUTOINCREMENT: a deleted trip's id is never given
-- to another trip, so a retried DELETE cannot remove a trip logged after the first one.
CREATE TABLE trips (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    participant     TEXT NOT NULL,
    date            TEXT NOT NULL,
    direction       TEXT NOT NULL,
    main_mode       TEXT NOT NULL,
    distance_m      INTEGER NOT NULL,
    co2e_g          INTEGER NOT NULL,
    baseline_co2e_g INTEGER NOT NULL,
    savings_g       INTEGER NOT NULL,
    detail          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (campaign_id, organization_id, participant, date, direction)
);
CREATE INDEX trips_by_organization ON trips (campaign_id, organization_id, id);

-- Rollups, updated in the same transaction as the trips: reads grow with organizations,
-- modes and days, never with trips.
CREATE TABLE org_totals (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    trips           INTEGER NOT NULL,
    participants    INTEGER NOT NULL,
    distance_m      INTEGER NOT NULL,
    co2e_g          INTEGER NOT NULL,
    baseline_co2e_g INTEGER NOT NULL,
    savings_g       INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id)
) WITHOUT ROWID;

CREATE TABLE org_mode_totals (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    mode            TEXT NOT NULL,
    trips           INTEGER NOT NULL,
    distance_m      INTEGER NOT NULL,
    co2e_g          INTEGER NOT NULL,
    baseline_co2e_g INTEGER NOT NULL,
    savings_g       INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, mode)
) WITHOUT ROWID;

CREATE TABLE org_day_totals (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    date            TEXT NOT NULL,
    trips           INTEGER NOT NULL,
    distance_m      INTEGER NOT NULL,
    co2e_g          INTEGER NOT NULL,
    baseline_co2e_g INTEGER NOT NULL,
    savings_g       INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, date)
) WITHOUT ROWID;

-- Distinct participants: a row exists while the participant has at least one stored trip.
CREATE TABLE participants (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    participant     TEXT NOT NULL,
    trips           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, participant)
) WITHOUT ROWID;
