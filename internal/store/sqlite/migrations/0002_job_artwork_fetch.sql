-- Where fetching a job's artwork URL stands: '' without a URL, else
-- 'pending', 'done' or 'failed' (store.Fetch*).
ALTER TABLE jobs ADD COLUMN artwork_fetch TEXT NOT NULL DEFAULT '';
