package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// defaultLimit bounds a page or batch whose caller asked for no limit, so
// that a forgotten Limit never reads a whole table.
const defaultLimit = 100

func limitOr(n int) int {
	if n <= 0 {
		return defaultLimit
	}
	return n
}

const jobColumns = `id, tenant_id, livemode, external_id, status, metadata, brand, artwork_url,
	callback_url, preflight, upload_token, sequence, current_version_id, artwork_fetch,
	created_at, updated_at, expires_at, events, created_by_key_id, created_by_name, locale`

// jobSelect is what a read of a job selects: the columns a job is created
// with, and then what the pipeline keeps about it.
const jobSelect = jobColumns + `, work_gave_up_at`

func scanJob(row scanner) (store.Job, error) {
	var j store.Job
	var gaveUp *time.Time
	var createdBy string
	err := row.Scan(&j.ID, &j.TenantID, &j.Livemode, &j.ExternalID, &j.Status,
		jsonDest{&j.Metadata}, jsonDest{&j.Brand}, &j.ArtworkURL, &j.CallbackURL,
		jsonDest{&j.Preflight}, &j.UploadToken, &j.Sequence, stringDest{&j.CurrentVersionID},
		&j.ArtworkFetch, timeDest{&j.CreatedAt}, timeDest{&j.UpdatedAt}, timeDest{&j.ExpiresAt},
		jsonDest{&j.Events}, stringDest{&createdBy}, &j.CreatedBy.Name, &j.Locale, nullTimeDest{&gaveUp})
	if gaveUp != nil {
		j.WorkGaveUpAt = *gaveUp
	}
	j.CreatedBy = creator(createdBy, j.CreatedBy.Name)
	return j, err
}

// jobArgs are the arguments of an INSERT of jobColumns, in order.
func (db *DB) jobArgs(j store.Job) ([]any, error) {
	var js [4]any
	for i, v := range []any{j.Metadata, j.Brand, j.Preflight, j.Events} {
		var err error
		if js[i], err = jsonArg(v); err != nil {
			return nil, err
		}
	}
	return []any{j.ID, j.TenantID, j.Livemode, j.ExternalID, string(j.Status), js[0], js[1],
		j.ArtworkURL, j.CallbackURL, js[2], j.UploadToken, j.Sequence, nullString(j.CurrentVersionID),
		j.ArtworkFetch, db.t(j.CreatedAt), db.t(j.UpdatedAt), db.t(j.ExpiresAt), js[3],
		nullString(creatorKeyID(j.CreatedBy)), j.CreatedBy.Name, j.Locale}, nil
}

// CreateJob inserts a job and, with p.Idempotency set, its idempotency
// record in the same transaction. The record goes first: when its key is
// taken the transaction ends there and nothing is written. On PostgreSQL
// the creates of concurrent callers share statements (jobbatch.go); a
// caller waits for its batch's commit even when ctx ends.
func (db *DB) CreateJob(ctx context.Context, p store.CreateJobParams) error {
	args, err := db.jobArgs(p.Job)
	if err != nil {
		return fmt.Errorf("create job %s: %w", p.Job.ID, err)
	}
	if db.jb != nil {
		err = db.jb.create(p, args)
	} else if db.d.WritableCTE {
		err = db.createJobStatement(ctx, p, args)
	} else {
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if r := p.Idempotency; r != nil {
				if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (`+idempotencyColumns+`)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, db.idempotencyArgs(r, p.Job.ID)...); err != nil {
					return fmt.Errorf("idempotency key %q: %w", r.Key, db.conflict(err))
				}
			}
			var q params
			_, err := tx.ExecContext(ctx, `INSERT INTO jobs (`+jobColumns+`) VALUES (`+list(&q, args)+`)`, q.args...)
			return db.conflict(err)
		})
	}
	if err != nil {
		return fmt.Errorf("create job %s: %w", p.Job.ID, err)
	}
	return nil
}

// createJobStatement is CreateJob in one statement, the idempotency record
// inserted by a WITH clause: atomic without BEGIN and COMMIT, so one round
// trip to the database instead of four. A taken key fails the statement
// and nothing is written.
func (db *DB) createJobStatement(ctx context.Context, p store.CreateJobParams, jobArgs []any) error {
	var q params
	insert := `INSERT INTO jobs (` + jobColumns + `) VALUES (` + list(&q, jobArgs) + `)`
	if r := p.Idempotency; r != nil {
		insert = `WITH idempotency AS (INSERT INTO idempotency_keys (` + idempotencyColumns + `)
			VALUES (` + list(&q, db.idempotencyArgs(r, p.Job.ID)) + `)) ` + insert
	}
	_, err := db.w.ExecContext(ctx, insert, q.args...)
	return db.conflict(err)
}

const idempotencyColumns = `tenant_id, livemode, key, request_hash, status_code, body, created_at, job_id`

// idempotencyArgs are the arguments of an INSERT of idempotencyColumns.
func (db *DB) idempotencyArgs(r *store.IdempotencyRecord, jobID string) []any {
	return []any{r.TenantID, r.Livemode, r.Key, r.RequestHash, r.StatusCode, r.Body, db.t(r.CreatedAt), jobID}
}

// Job returns a job by id, only if it belongs to the tenant.
func (db *DB) Job(ctx context.Context, tenantID, jobID string) (store.Job, error) {
	j, err := scanJob(db.r.QueryRowContext(ctx,
		`SELECT `+jobSelect+` FROM jobs WHERE id = $1 AND tenant_id = $2`, jobID, tenantID))
	if err != nil {
		return store.Job{}, fmt.Errorf("job %s: %w", jobID, notFound(err))
	}
	return j, nil
}

// ListJobsByID returns the tenant's jobs among ids.
func (db *DB) ListJobsByID(ctx context.Context, tenantID string, ids []string) ([]store.Job, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var q params
	js, err := queryAll(ctx, db.r, scanJob, `SELECT `+jobSelect+` FROM jobs WHERE tenant_id = `+q.add(tenantID)+
		` AND id IN (`+q.list(ids)+`)`, q.args...)
	if err != nil {
		return nil, fmt.Errorf("jobs by id: %w", err)
	}
	return js, nil
}

// JobByUploadToken returns the job whose upload link carries token.
func (db *DB) JobByUploadToken(ctx context.Context, token string) (store.Job, error) {
	j, err := scanJob(db.r.QueryRowContext(ctx,
		`SELECT `+jobSelect+` FROM jobs WHERE upload_token = $1`, token))
	if err != nil {
		// Never the token in the message: it is a capability.
		return store.Job{}, fmt.Errorf("job by upload token: %w", notFound(err))
	}
	return j, nil
}

// ListJobs returns one page of a tenant's jobs in one mode, newest first.
// Ids begin with their creation time, so the id is the cursor.
func (db *DB) ListJobs(ctx context.Context, p store.ListJobsParams) ([]store.Job, error) {
	var q params
	query := `SELECT ` + jobSelect + ` FROM jobs WHERE tenant_id = ` + q.add(p.TenantID) +
		` AND livemode = ` + q.add(p.Livemode)
	if p.ExternalID != "" {
		query += ` AND external_id = ` + q.add(p.ExternalID)
	}
	if p.Status != "" {
		query += ` AND status = ` + q.add(string(p.Status))
	}
	if p.After != "" {
		query += ` AND id < ` + q.add(p.After)
	}
	query += ` ORDER BY id DESC LIMIT ` + q.add(limitOr(p.Limit))
	js, err := queryAll(ctx, db.r, scanJob, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs of %s: %w", p.TenantID, err)
	}
	return js, nil
}

// ListExpiredJobs returns up to limit jobs that are not final and whose
// ExpiresAt is before the given time, those that expired first first.
func (db *DB) ListExpiredJobs(ctx context.Context, before time.Time, limit int) ([]store.Job, error) {
	var q params
	query := `SELECT ` + jobSelect + ` FROM jobs WHERE expires_at < ` + q.add(db.t(before)) +
		` AND status NOT IN (` + finalStatuses + `)` +
		` ORDER BY expires_at, id LIMIT ` + q.add(limitOr(limit))
	js, err := queryAll(ctx, db.r, scanJob, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("expired jobs: %w", err)
	}
	return js, nil
}

// finalStatuses are the statuses a job never leaves, as in the partial index
// jobs_expiring; TestFinalStatuses checks them against the state machine.
const finalStatuses = `'approved', 'cancelled', 'expired'`

// TransitionJob moves a job from one of p.From to p.Event.Status, records
// the event with the job's next sequence and, when p.CallbackURL is set, a
// pending delivery of it, in one transaction.
//
// The status check and the sequence bump are one conditional UPDATE: on
// PostgreSQL a concurrent transition waits for the row lock and re-checks
// the status against the committed row, on SQLite the single writer runs
// them one after the other, so concurrent transitions get consecutive
// sequences or ErrStale, never the same sequence. A new version is inserted
// after the job row is locked and before the event, and the event's version
// then follows it (status, errors, files), in the same transaction.
func (db *DB) TransitionJob(ctx context.Context, p store.TransitionParams) (job.Event, error) {
	e := p.Event
	if len(p.From) == 0 {
		return job.Event{}, fmt.Errorf("transition job %s: no status to move from", p.JobID)
	}
	if p.NewVersion != nil && p.NewVersion.ID != e.ArtworkVersionID {
		return job.Event{}, fmt.Errorf("transition job %s: the event must name the new version %s", p.JobID, p.NewVersion.ID)
	}
	errs, err := jsonArg(e.Errors)
	if err != nil {
		return job.Event{}, fmt.Errorf("transition job %s: %w", p.JobID, err)
	}
	files, err := jsonArg(e.Files)
	if err != nil {
		return job.Event{}, fmt.Errorf("transition job %s: %w", p.JobID, err)
	}
	changes, err := jsonArg(e.Changes)
	if err != nil {
		return job.Event{}, fmt.Errorf("transition job %s: %w", p.JobID, err)
	}
	fixes, err := jsonArg(e.Fixes)
	if err != nil {
		return job.Event{}, fmt.Errorf("transition job %s: %w", p.JobID, err)
	}
	if p.Outcome && !slices.Contains(p.From, e.Status) {
		return job.Event{}, fmt.Errorf("transition job %s: an outcome keeps the status, but %s is not among %v", p.JobID, e.Status, p.From)
	}
	from := make([]string, len(p.From))
	for i, s := range p.From {
		from[i] = string(s)
	}
	var q params
	update := `UPDATE jobs SET status = ` + q.add(string(e.Status)) +
		`, sequence = sequence + 1, updated_at = ` + q.add(db.t(e.OccurredAt))
	switch {
	case !p.Outcome:
		// A new status is new work for the pipeline: its attempts start
		// over, and a claim in progress is the first of them.
		update += `, work_attempts = CASE WHEN work_owner IS NULL THEN 0 ELSE 1 END, work_gave_up_at = NULL`
	case !p.GaveUp.IsZero():
		update += `, work_gave_up_at = ` + q.add(db.t(p.GaveUp))
	}
	set, err := db.patchSet(&q, p.Patch)
	if err != nil {
		return job.Event{}, fmt.Errorf("transition job %s: %w", p.JobID, err)
	}
	update += set +
		`, current_version_id = COALESCE(` + q.add(nullString(p.CurrentVersionID)) + `, current_version_id)` +
		`, artwork_fetch = COALESCE(` + q.add(nullString(p.ArtworkFetch)) + `, artwork_fetch)` +
		` WHERE id = ` + q.add(p.JobID) + ` AND tenant_id = ` + q.add(p.TenantID) +
		` AND status IN (` + q.list(from) + `)`
	if p.Sequence != nil {
		update += ` AND sequence = ` + q.add(*p.Sequence)
	}
	update += ` RETURNING sequence, livemode, external_id, locale`
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var externalID string
		err := tx.QueryRowContext(ctx, update, q.args...).Scan(&e.Sequence, &e.Livemode, &externalID, &e.Locale)
		if errors.Is(err, sql.ErrNoRows) {
			return whyNoTransition(ctx, tx, p)
		}
		if err != nil {
			return err
		}
		e.JobID, e.TenantID = p.JobID, p.TenantID
		if e.OrderRef == "" {
			e.OrderRef = externalID
		}
		if p.Patch != nil && p.Patch.PendingURL != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET url = $1, host = $4
				WHERE job_id = $2 AND tenant_id = $3 AND state = 'pending'`,
				p.Patch.PendingURL, p.JobID, p.TenantID, store.HostKey(p.Patch.PendingURL)); err != nil {
				return fmt.Errorf("move pending deliveries: %w", err)
			}
		}
		if p.NewVersion != nil {
			v := *p.NewVersion
			v.JobID, v.TenantID, v.Status = p.JobID, p.TenantID, e.Status
			if err := db.insertVersion(ctx, tx, v); err != nil {
				return err
			}
		}
		if e.ArtworkVersionID != "" {
			if err := db.followEvent(ctx, tx, p, e); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (`+eventColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			e.ID, e.JobID, e.TenantID, e.Livemode, e.Sequence, string(e.Type), string(e.Status),
			e.OrderRef, nullString(e.ArtworkVersionID), errs, files, db.t(e.OccurredAt),
			e.Actor.Kind, e.Actor.ID, changes, fixes, e.Locale); err != nil {
			return fmt.Errorf("insert event %s: %w", e.ID, db.conflict(err))
		}
		if p.CallbackURL == "" {
			return nil
		}
		return db.insertDelivery(ctx, tx, store.Delivery{
			ID: p.DeliveryID, TenantID: e.TenantID, JobID: e.JobID, EventID: e.ID,
			Livemode: e.Livemode, URL: p.CallbackURL, State: store.DeliveryPending,
			AttemptsLeft: p.Attempts, NextAttemptAt: e.OccurredAt, CreatedAt: e.OccurredAt,
		})
	})
	if err != nil {
		return job.Event{}, fmt.Errorf("transition job %s to %s: %w", p.JobID, e.Status, err)
	}
	db.changedAfterCommit(p.JobID)
	return e, nil
}

// patchSet is the SET clauses of a job patch's fields, each after a
// comma; "" without a patch.
func (db *DB) patchSet(q *params, p *store.JobPatch) (string, error) {
	if p == nil {
		return "", nil
	}
	var set string
	if p.CallbackURL != nil {
		set += `, callback_url = ` + q.add(*p.CallbackURL)
	}
	if p.ExpiresAt != nil {
		set += `, expires_at = ` + q.add(db.t(*p.ExpiresAt))
	}
	// A brand or expectations with nothing in them is stored as none.
	for _, f := range []struct {
		column string
		set    bool
		value  any
	}{
		{"metadata", p.Metadata != nil, derefOrNil(p.Metadata)},
		{"brand", p.Brand != nil, zeroAsNil(p.Brand)},
		{"preflight", p.Preflight != nil, zeroAsNil(p.Preflight)},
	} {
		if !f.set {
			continue
		}
		v, err := jsonArg(f.value)
		if err != nil {
			return "", err
		}
		set += `, ` + f.column + ` = ` + q.add(v)
	}
	return set, nil
}

// derefOrNil is *p, or nil when p is nil.
func derefOrNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// zeroAsNil is p, or nil when p is nil or points at the zero value.
func zeroAsNil[T comparable](p *T) any {
	var zero T
	if p == nil || *p == zero {
		return nil
	}
	return p
}

// whyNoTransition tells a missing job from one in another status, or one
// whose sequence moved on, after a conditional UPDATE matched no row.
func whyNoTransition(ctx context.Context, tx *sql.Tx, p store.TransitionParams) error {
	var status job.Status
	var seq int64
	err := tx.QueryRowContext(ctx, `SELECT status, sequence FROM jobs WHERE id = $1 AND tenant_id = $2`,
		p.JobID, p.TenantID).Scan(&status, &seq)
	if err != nil {
		return notFound(err)
	}
	if p.Sequence != nil && seq != *p.Sequence {
		return fmt.Errorf("%w: the job is at event %d, not %d", store.ErrStale, seq, *p.Sequence)
	}
	return fmt.Errorf("%w: the job is %s, not one of %v", store.ErrStale, status, p.From)
}

const eventColumns = `id, job_id, tenant_id, livemode, sequence, type, status, order_ref,
	artwork_version_id, errors, files, occurred_at, actor_kind, actor_id, changes, fixes, locale`

func scanEvent(row scanner) (job.Event, error) {
	var e job.Event
	err := row.Scan(&e.ID, &e.JobID, &e.TenantID, &e.Livemode, &e.Sequence, &e.Type, &e.Status,
		&e.OrderRef, stringDest{&e.ArtworkVersionID}, jsonDest{&e.Errors}, jsonDest{&e.Files},
		timeDest{&e.OccurredAt}, &e.Actor.Kind, &e.Actor.ID, jsonDest{&e.Changes}, jsonDest{&e.Fixes}, &e.Locale)
	return e, err
}

// ListEvents returns a job's events in sequence order; none when the job is
// not the tenant's.
func (db *DB) ListEvents(ctx context.Context, tenantID, jobID string) ([]job.Event, error) {
	es, err := queryAll(ctx, db.r, scanEvent, `SELECT `+eventColumns+` FROM events
		WHERE job_id = $1 AND tenant_id = $2 ORDER BY sequence`, jobID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list events of %s: %w", jobID, err)
	}
	return es, nil
}

// Event returns one event by id.
func (db *DB) Event(ctx context.Context, eventID string) (job.Event, error) {
	e, err := scanEvent(db.r.QueryRowContext(ctx,
		`SELECT `+eventColumns+` FROM events WHERE id = $1`, eventID))
	if err != nil {
		return job.Event{}, fmt.Errorf("event %s: %w", eventID, notFound(err))
	}
	return e, nil
}

// IdempotencyRecord returns the record for a tenant, mode and key.
func (db *DB) IdempotencyRecord(ctx context.Context, p store.IdempotencyLookup) (store.IdempotencyRecord, error) {
	var r store.IdempotencyRecord
	err := db.r.QueryRowContext(ctx, `SELECT tenant_id, livemode, key, request_hash, status_code, body, created_at
		FROM idempotency_keys WHERE tenant_id = $1 AND livemode = $2 AND key = $3`,
		p.TenantID, p.Livemode, p.Key).
		Scan(&r.TenantID, &r.Livemode, &r.Key, &r.RequestHash, &r.StatusCode, &r.Body, timeDest{&r.CreatedAt})
	if err != nil {
		return store.IdempotencyRecord{}, fmt.Errorf("idempotency record %q: %w", p.Key, notFound(err))
	}
	return r, nil
}

// DeleteIdempotencyRecords removes records created before the given time
// and returns how many it removed.
func (db *DB) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, db.t(before))
	if err != nil {
		return 0, fmt.Errorf("delete idempotency records: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete idempotency records: %w", err)
	}
	return n, nil
}
