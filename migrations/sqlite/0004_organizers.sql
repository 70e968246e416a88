-- Organizers (a partner NGO, a city office) run their own campaigns with keys of their own.
CREATE TABLE organizers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    city       TEXT,
    created_at TEXT NOT NULL
);

-- Organizer keys are stored only as SHA-256 hashes, like organization keys.
CREATE TABLE organizer_keys (
    id           TEXT PRIMARY KEY,
    organizer_id TEXT NOT NULL REFERENCES organizers (id),
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT
);

-- The organizer that runs a campaign (none: the admin's), and the workdays its regularity counts.
ALTER TABLE campaigns ADD COLUMN organizer_id TEXT REFERENCES organizers (id);
ALTER TABLE campaigns ADD COLUMN workdays TEXT NOT NULL DEFAULT 'mon,tue,wed,thu,fri';

-- The organizer that created an organization (none: the admin), which may issue its keys.
ALTER TABLE organizations ADD COLUMN created_by TEXT REFERENCES organizers (id);

-- Who created, changed, enrolled, issued or revoked what, and when.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    actor_id    TEXT,
    key_id      TEXT,
    action      TEXT NOT NULL,
    campaign_id TEXT,
    subject     TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, seq);

-- Regularity, kept in rollups so that reads never scan trips: green trips (savings > 0) per
-- participant and day, and per organization the number of (participant, day) pairs with one,
-- by ISO weekday (1 = Monday), so that a change of workdays needs no recomputation.
CREATE TABLE participant_days (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    participant     TEXT NOT NULL,
    date            TEXT NOT NULL,
    green_trips     INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, participant, date)
) WITHOUT ROWID;
INSERT INTO participant_days (campaign_id, organization_id, participant, date, green_trips)
    SELECT campaign_id, organization_id, participant, date, COUNT(*)
    FROM trips WHERE savings_g > 0
    GROUP BY campaign_id, organization_id, participant, date;

CREATE TABLE org_weekday_days (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    weekday         INTEGER NOT NULL,
    green_days      INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, weekday)
) WITHOUT ROWID;
INSERT INTO org_weekday_days (campaign_id, organization_id, weekday, green_days)
    SELECT campaign_id, organization_id, (CAST(strftime('%w', date) AS INTEGER) + 6) % 7 + 1, COUNT(*)
    FROM participant_days
    GROUP BY campaign_id, organization_id, (CAST(strftime('%w', date) AS INTEGER) + 6) % 7 + 1;
