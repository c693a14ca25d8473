-- Callbacks across processes (issue #17). host is the receiver's host and
-- port (store.HostKey of url), so that a claim can count the deliveries
-- leased to one receiver by every process and keep the per-host limit
-- across them; the rows already here get theirs from Go after migrating
-- (sqldb.fillDeliveryHosts), as SQL cannot parse a URL the way Go does.
-- attempts_started counts claims, so that an attempt cut off by a crash
-- is never numbered again; attempts stays the count of recorded ones.
ALTER TABLE deliveries ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN attempts_started INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET attempts_started = attempts;
-- The leases running: what a claim counts per host. Only deliveries in
-- flight (or left by a dead process) have one, so the index stays small.
CREATE INDEX deliveries_leased ON deliveries (host) WHERE lease_until IS NOT NULL;
-- The slots migration 0013 made for the same purpose are not needed: the
-- leases are the count.
DROP TABLE host_slots;
