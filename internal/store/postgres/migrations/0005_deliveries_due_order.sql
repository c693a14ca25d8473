-- Claiming orders due deliveries by (next_attempt_at, id). With the index on
-- next_attempt_at alone, the database sorted every due row on each claim, so
-- a claim cost grew with the backlog (10,000 pending deliveries: 1,050/s
-- delivered instead of 2,400/s). With id in the index, a claim reads only the
-- rows it takes.
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE state = 'pending';
