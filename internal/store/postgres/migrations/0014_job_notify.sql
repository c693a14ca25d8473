-- Each change of what a job's customer page shows (its status, its
-- sequence, a proof given up or made again, the artwork fetch) is
-- announced with NOTIFY on the schema's channel, delivered when the
-- transaction commits, so that every process's live-status watcher reads
-- it at once (store/postgres listens). The database announces it, so no
-- write has to remember to, and it costs no round trip of its own.
CREATE FUNCTION submit_notify_job() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify(left('submit_jobs_' || COALESCE(current_schema(), ''), 63), NEW.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_notify AFTER UPDATE OF status, sequence, work_gave_up_at, artwork_fetch ON jobs
    FOR EACH ROW
    WHEN ((OLD.status, OLD.sequence, OLD.work_gave_up_at, OLD.artwork_fetch)
        IS DISTINCT FROM (NEW.status, NEW.sequence, NEW.work_gave_up_at, NEW.artwork_fetch))
    EXECUTE FUNCTION submit_notify_job();
