-- Co-benefits (issue 14); same schema and meaning as migrations/sqlite/0003_cobenefits.sql.
-- Number 0002 belongs to another change: migrations are applied by version, each once, so a
-- database that has 0003 can still take 0002 later.
--
-- Each trip keeps its active minutes and its tailpipe NOx and exhaust PM2.5 in whole milligrams
-- (the trip's, its baseline's and the saving, each leg rounded once as for CO2e), computed with
-- the factors its `detail` keeps; `air_complete` is false when a leg or the baseline had no `air`
-- factor (it counted 0). Trips stored before this migration were computed without co-benefits:
-- the defaults count them as 0 and as incomplete, which is what they are.
ALTER TABLE trips
    ADD COLUMN active_minutes   BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN nox_mg           BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pm25_mg          BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN baseline_nox_mg  BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN baseline_pm25_mg BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN nox_saved_mg     BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pm25_saved_mg    BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN air_complete     BOOLEAN NOT NULL DEFAULT FALSE;

-- The rollups keep exact sums of what results show; `air_incomplete_trips` counts the trips whose
-- air figures left a leg or the baseline out. Trips stored before this migration are counted as
-- such, so the rollups stay equal to the sums over stored trips.
ALTER TABLE org_totals
    ADD COLUMN active_minutes       BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN nox_saved_mg         BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pm25_saved_mg        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN air_incomplete_trips BIGINT NOT NULL DEFAULT 0;
UPDATE org_totals SET air_incomplete_trips = trips;

ALTER TABLE org_mode_totals
    ADD COLUMN active_minutes       BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN nox_saved_mg         BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pm25_saved_mg        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN air_incomplete_trips BIGINT NOT NULL DEFAULT 0;
UPDATE org_mode_totals SET air_incomplete_trips = trips;

ALTER TABLE org_day_totals
    ADD COLUMN active_minutes       BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN nox_saved_mg         BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN pm25_saved_mg        BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN air_incomplete_trips BIGINT NOT NULL DEFAULT 0;
UPDATE org_day_totals SET air_incomplete_trips = trips;
