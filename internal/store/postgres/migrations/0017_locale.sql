-- Issue #16: languages. A job's locale (BCP 47, as the API received it;
-- '' for none) says the language of its customer page and of its
-- findings' messages in the API and callbacks; each event copies it, as it
-- copies the order reference, so that a callback body needs no join. A
-- tenant's locale is the customer page's language when neither the job nor
-- the browser names one.
ALTER TABLE jobs ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN locale TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN locale TEXT NOT NULL DEFAULT '';
