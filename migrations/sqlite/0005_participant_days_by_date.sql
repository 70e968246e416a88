-- Green trips per participant and day, keyed date first: a day's logs (how trips arrive, and how
-- a coordinator's batch is shaped) then land on a few neighbouring pages instead of one page per
-- participant across the whole table. Nothing reads it by participant; rebuilds scan by campaign.
CREATE TABLE participant_days_by_date (
    campaign_id     TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    date            TEXT NOT NULL,
    participant     TEXT NOT NULL,
    green_trips     INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, organization_id, date, participant)
) WITHOUT ROWID;
INSERT INTO participant_days_by_date (campaign_id, organization_id, date, participant, green_trips)
    SELECT campaign_id, organization_id, date, participant, green_trips FROM participant_days;
DROP TABLE participant_days;
ALTER TABLE participant_days_by_date RENAME TO participant_days;
