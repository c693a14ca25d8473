-- The pipeline counts how often it has claimed a job since the job's
-- status last changed, so that a step that keeps failing (or keeps
-- killing its process) is given up after a few attempts instead of being
-- retried for ever. work_gave_up_at marks a job it gave up on: it is not
-- claimed again until its status changes.
ALTER TABLE jobs ADD COLUMN work_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN work_gave_up_at timestamptz;
