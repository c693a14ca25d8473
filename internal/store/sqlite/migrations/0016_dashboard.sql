-- Issue #16: the indexes behind Manage's dashboard charts, so that each
-- reads only one tenant's rows in one mode and in the chart's window, in
-- index order, however many jobs the database holds (sqldb/dashboard.go).
--
-- The figures the dashboard had before its charts: jobs by status (the
-- index alone answers), and the two kinds of stuck jobs, which only a
-- few jobs are waiting on (their queries repeat these conditions).
CREATE INDEX jobs_tenant_mode_status ON jobs (tenant_id, livemode, status);
CREATE INDEX jobs_fetch_failed ON jobs (tenant_id, livemode, updated_at)
    WHERE artwork_fetch = 'failed';
CREATE INDEX jobs_gave_up ON jobs (tenant_id, livemode, updated_at)
    WHERE work_gave_up_at IS NOT NULL;
-- Jobs created per day: the index alone answers (covering).
CREATE INDEX jobs_tenant_mode_created ON jobs (tenant_id, livemode, created_at);
-- Jobs finished per day by outcome.
-- Only the events that end a round are in it; queries repeat this list
-- word for word, which is how SQLite proves they may use the index.
CREATE INDEX events_outcomes ON events (tenant_id, livemode, type, occurred_at)
    WHERE type IN ('approved', 'rejected', 'cancelled', 'expired');
-- The approvals timed from the upload of the version approved.
CREATE INDEX events_approved ON events (tenant_id, livemode, occurred_at, artwork_version_id)
    WHERE type = 'approved';
-- Findings: the preflight results, whose errors hold the finding codes.
CREATE INDEX events_preflight ON events (tenant_id, livemode, occurred_at)
    WHERE type IN ('preflight_passed', 'preflight_failed');
-- Callback attempts per hour: a delivery with an attempt in the window has
-- its last attempt in it too, so its attempts are found from here through
-- delivery_attempts' (delivery_id, number) key.
CREATE INDEX deliveries_attempted ON deliveries (tenant_id, livemode, last_attempt_at)
    WHERE last_attempt_at IS NOT NULL;
-- The attempts of those deliveries in the window. Attempts have no tenant:
-- a database that would rather join by time than look each delivery's
-- attempts up (PostgreSQL, on a few thousand) reads the window's attempts
-- from here, never the whole table.
CREATE INDEX delivery_attempts_started ON delivery_attempts (started_at);
