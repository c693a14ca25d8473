package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

const versionColumns = `id, job_id, tenant_id, filename, size, sha256, blob_key, status, errors,
	files, pages, created_at, fixes, print`

func scanVersion(row scanner) (store.ArtworkVersion, error) {
	var v store.ArtworkVersion
	err := row.Scan(&v.ID, &v.JobID, &v.TenantID, &v.Filename, &v.Size, &v.SHA256, &v.BlobKey,
		&v.Status, jsonDest{&v.Errors}, jsonDest{&v.Files}, &v.Pages, timeDest{&v.CreatedAt},
		jsonDest{&v.Fixes}, jsonDest{&v.Print})
	return v, err
}

// ListArtworkVersions returns a job's versions, oldest first; none when the
// job is not the tenant's.
func (db *DB) ListArtworkVersions(ctx context.Context, tenantID, jobID string) ([]store.ArtworkVersion, error) {
	vs, err := queryAll(ctx, db.r, scanVersion, `SELECT `+versionColumns+` FROM artwork_versions
		WHERE job_id = $1 AND tenant_id = $2 ORDER BY id`, jobID, tenantID)
	if err != nil {
		return nil, fmt.Errorf("artwork versions of %s: %w", jobID, err)
	}
	return vs, nil
}

// ArtworkVersionsByID returns the tenant's versions among ids.
func (db *DB) ArtworkVersionsByID(ctx context.Context, tenantID string, ids []string) ([]store.ArtworkVersion, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var q params
	vs, err := queryAll(ctx, db.r, scanVersion, `SELECT `+versionColumns+` FROM artwork_versions
		WHERE tenant_id = `+q.add(tenantID)+` AND id IN (`+q.list(ids)+`)`, q.args...)
	if err != nil {
		return nil, fmt.Errorf("artwork versions by id: %w", err)
	}
	return vs, nil
}

// ArtworkVersion returns one version of the tenant's.
func (db *DB) ArtworkVersion(ctx context.Context, tenantID, versionID string) (store.ArtworkVersion, error) {
	v, err := scanVersion(db.r.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM artwork_versions
		WHERE id = $1 AND tenant_id = $2`, versionID, tenantID))
	if err != nil {
		return store.ArtworkVersion{}, fmt.Errorf("artwork version %s: %w", versionID, notFound(err))
	}
	return v, nil
}

// insertVersion inserts a version inside a transition's transaction.
func (db *DB) insertVersion(ctx context.Context, tx *sql.Tx, v store.ArtworkVersion) error {
	errs, err := jsonArg(v.Errors)
	if err != nil {
		return err
	}
	files, err := jsonArg(v.Files)
	if err != nil {
		return err
	}
	fixes, err := jsonArg(v.Fixes)
	if err != nil {
		return err
	}
	print, err := jsonArg(v.Print)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO artwork_versions (`+versionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		v.ID, v.JobID, v.TenantID, v.Filename, v.Size, v.SHA256, v.BlobKey, string(v.Status),
		errs, files, v.Pages, db.t(v.CreatedAt), fixes, print)
	if err != nil {
		return fmt.Errorf("insert artwork version %s: %w", v.ID, db.conflict(err))
	}
	return nil
}

// AddVersionFinding appends a finding to a version's errors.
func (db *DB) AddVersionFinding(ctx context.Context, p store.AddFindingParams) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return editVersionErrors(ctx, tx, p.TenantID, p.VersionID, func(errs []job.Finding) []job.Finding {
			return append(errs, p.Finding)
		})
	})
	if err != nil {
		return fmt.Errorf("add finding to artwork version %s: %w", p.VersionID, err)
	}
	return nil
}

// editVersionErrors replaces a version's errors with edit's result, in
// tx. The list is read and written in Go, not in SQL, because the two
// databases edit JSON arrays differently. ErrNotFound for a version that
// is not the tenant's.
func editVersionErrors(ctx context.Context, tx *sql.Tx, tenantID, versionID string, edit func([]job.Finding) []job.Finding) error {
	var errs []job.Finding
	err := tx.QueryRowContext(ctx, `SELECT errors FROM artwork_versions WHERE id = $1 AND tenant_id = $2`,
		versionID, tenantID).Scan(jsonDest{&errs})
	if err != nil {
		return notFound(err)
	}
	arg, err := jsonArg(edit(errs))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE artwork_versions SET errors = $1 WHERE id = $2`, arg, versionID)
	return err
}

// followEvent makes the event's version, when stored, agree with it: its status, its
// errors when the event has some (nil keeps them), its fixes likewise, its files merged, and
// its page count when p.Pages is set. The files are merged in Go, not in
// SQL, because the two databases merge JSON objects differently.
func (db *DB) followEvent(ctx context.Context, tx *sql.Tx, p store.TransitionParams, e job.Event) error {
	var files map[string]string
	err := tx.QueryRowContext(ctx, `SELECT files FROM artwork_versions WHERE id = $1 AND job_id = $2`,
		e.ArtworkVersionID, p.JobID).Scan(jsonDest{&files})
	if errors.Is(err, sql.ErrNoRows) {
		// An event may name a version that was never stored (older
		// events, tests of the event log alone): there is nothing to follow.
		return nil
	}
	if err != nil {
		return fmt.Errorf("artwork version %s of job %s: %w", e.ArtworkVersionID, p.JobID, err)
	}
	if len(e.Files) > 0 {
		if files == nil {
			files = map[string]string{}
		}
		maps.Copy(files, e.Files)
	}
	filesArg, err := jsonArg(files)
	if err != nil {
		return err
	}
	var q params
	set := `UPDATE artwork_versions SET status = ` + q.add(string(e.Status)) + `, files = ` + q.add(filesArg)
	if e.Errors != nil {
		keep := e.Errors
		if p.Outcome {
			var old []job.Finding
			if err := tx.QueryRowContext(ctx, `SELECT errors FROM artwork_versions WHERE id = $1`,
				e.ArtworkVersionID).Scan(jsonDest{&old}); err != nil {
				return fmt.Errorf("artwork version %s of job %s: %w", e.ArtworkVersionID, p.JobID, err)
			}
			keep = slices.DeleteFunc(old, func(f job.Finding) bool {
				return slices.ContainsFunc(e.Errors, func(n job.Finding) bool { return n.Code == f.Code })
			})
			keep = append(keep, e.Errors...)
		}
		errs, err := jsonArg(keep)
		if err != nil {
			return err
		}
		set += `, errors = ` + q.add(errs)
	}
	if e.Fixes != nil {
		fixes, err := jsonArg(e.Fixes)
		if err != nil {
			return err
		}
		set += `, fixes = ` + q.add(fixes)
	}
	if p.Print != nil {
		print, err := jsonArg(p.Print)
		if err != nil {
			return err
		}
		set += `, print = ` + q.add(print)
	}
	if p.Pages > 0 {
		set += `, pages = ` + q.add(p.Pages)
	}
	_, err = tx.ExecContext(ctx, set+` WHERE id = `+q.add(e.ArtworkVersionID), q.args...)
	if err != nil {
		return fmt.Errorf("update artwork version %s: %w", e.ArtworkVersionID, err)
	}
	return nil
}

// claimWorkQuery leases the jobs with pipeline work and counts the claim
// as an attempt. The alias d lets the dialect's ClaimLock ("FOR UPDATE OF
// d SKIP LOCKED"), written for the deliveries claim, serve here too. $1
// worker, $2 lease end, $3 now, $4 limit. Statuses are literals so that
// the partial index jobs_work serves.
const claimWorkQuery = `WITH due AS (
	SELECT d.id FROM jobs d
	WHERE (d.status IN ('uploaded', 'preflighting', 'preflight_passed')
		OR (d.artwork_fetch = 'pending' AND d.status IN ('awaiting_upload', 'preflight_failed', 'rejected')))
		AND (d.work_until IS NULL OR d.work_until <= $3)
		AND d.work_gave_up_at IS NULL
	ORDER BY d.updated_at, d.id
	LIMIT $4 %s)
UPDATE jobs SET work_owner = $1, work_until = $2, work_attempts = jobs.work_attempts + 1
FROM due WHERE jobs.id = due.id
RETURNING jobs.id, jobs.work_attempts`

// claimed is a claimed job's id and attempt number.
type claimed struct {
	id       string
	attempts int
}

func scanClaimed(row scanner) (c claimed, err error) { return c, row.Scan(&c.id, &c.attempts) }

// ClaimJobWork leases up to p.Limit jobs with pipeline work to p.Worker
// until p.Now + p.Lease and returns them, those waiting longest first,
// with their WorkAttempts.
func (db *DB) ClaimJobWork(ctx context.Context, p store.ClaimParams) ([]store.Job, error) {
	if p.Worker == "" {
		return nil, errors.New("claim job work: no worker name")
	}
	var jobs []store.Job
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		cs, err := queryAll(ctx, tx, scanClaimed, fmt.Sprintf(claimWorkQuery, db.d.ClaimLock),
			p.Worker, db.t(p.Now.Add(p.Lease)), db.t(p.Now), limitOr(p.Limit))
		if err != nil || len(cs) == 0 {
			return err
		}
		ids, attempts := make([]string, len(cs)), map[string]int{}
		for i, c := range cs {
			ids[i], attempts[c.id] = c.id, c.attempts
		}
		var q params
		jobs, err = queryAll(ctx, tx, scanJob, `SELECT `+jobSelect+` FROM jobs WHERE id IN (`+
			q.list(ids)+`) ORDER BY updated_at, id`, q.args...)
		for i := range jobs {
			jobs[i].WorkAttempts = attempts[jobs[i].ID]
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim job work: %w", err)
	}
	return jobs, nil
}

// RenewJobWork extends a lease the worker still holds.
func (db *DB) RenewJobWork(ctx context.Context, p store.RenewParams) error {
	res, err := db.w.ExecContext(ctx, `UPDATE jobs SET work_until = $1 WHERE id = $2 AND work_owner = $3`,
		db.t(p.Until), p.JobID, p.Worker)
	if err == nil {
		err = mustAffect(res)
	}
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("renew work on %s: %w: another worker holds it", p.JobID, store.ErrStale)
	}
	if err != nil {
		return fmt.Errorf("renew work on %s: %w", p.JobID, err)
	}
	return nil
}

// ReleaseJobWork ends a lease the worker holds; see store.ReleaseParams
// for how it changes the count of attempts.
func (db *DB) ReleaseJobWork(ctx context.Context, p store.ReleaseParams) error {
	var q params
	set := `UPDATE jobs SET work_owner = NULL, work_until = NULL`
	if p.Abandoned {
		set += `, work_attempts = CASE WHEN work_attempts > 0 THEN work_attempts - 1 ELSE 0 END`
	}
	if !p.GaveUp.IsZero() {
		set += `, work_gave_up_at = ` + q.add(db.t(p.GaveUp))
	}
	_, err := db.w.ExecContext(ctx, set+` WHERE id = `+q.add(p.JobID)+` AND work_owner = `+q.add(p.Worker), q.args...)
	if err != nil {
		return fmt.Errorf("release work on %s: %w", p.JobID, err)
	}
	if !p.GaveUp.IsZero() {
		db.changedAfterCommit(p.JobID) // the page says the step is delayed
	}
	return nil
}

// RetryProof clears a given-up proof so that the pipeline claims the job
// again, and drops the record of the failure from its current version.
func (db *DB) RetryProof(ctx context.Context, p store.RetryProofParams) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var versionID string
		err := tx.QueryRowContext(ctx, `UPDATE jobs SET work_gave_up_at = NULL, work_attempts = 0
			WHERE id = $1 AND tenant_id = $2 AND status = 'preflight_passed' AND work_gave_up_at IS NOT NULL
			RETURNING current_version_id`, p.JobID, p.TenantID).Scan(stringDest{&versionID})
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM jobs WHERE id = $1 AND tenant_id = $2`,
				p.JobID, p.TenantID).Scan(&one); err != nil {
				return notFound(err)
			}
			return fmt.Errorf("%w: no proof was given up on", store.ErrStale)
		}
		if err != nil {
			return err
		}
		if versionID == "" {
			return nil
		}
		return editVersionErrors(ctx, tx, p.TenantID, versionID, func(errs []job.Finding) []job.Finding {
			return slices.DeleteFunc(errs, func(f job.Finding) bool { return slices.Contains(p.DropCodes, f.Code) })
		})
	})
	if err != nil {
		return fmt.Errorf("retry the proof of %s: %w", p.JobID, err)
	}
	db.changedAfterCommit(p.JobID)
	return nil
}

// SetArtworkFetch records where fetching a job's artwork URL stands.
func (db *DB) SetArtworkFetch(ctx context.Context, jobID, state string) error {
	// A fetch asked for again starts with fresh attempts.
	res, err := db.w.ExecContext(ctx, `UPDATE jobs SET artwork_fetch = $1, work_attempts = 0,
		work_gave_up_at = NULL WHERE id = $2`, state, jobID)
	if err == nil {
		err = mustAffect(res)
	}
	if err != nil {
		return fmt.Errorf("set artwork fetch of %s: %w", jobID, err)
	}
	db.changedAfterCommit(jobID)
	return nil
}

// ServerSecret returns the secret named name, storing candidate if there
// is none yet. Two processes racing both insert; the unique name keeps the
// first, and both read it back.
func (db *DB) ServerSecret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	_, err := db.w.ExecContext(ctx, `INSERT INTO server_secrets (name, secret, created_at)
		VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, name, candidate, db.t(time.Now()))
	if err != nil {
		return nil, fmt.Errorf("store server secret %s: %w", name, err)
	}
	var secret []byte
	if err := db.w.QueryRowContext(ctx, `SELECT secret FROM server_secrets WHERE name = $1`, name).Scan(&secret); err != nil {
		return nil, fmt.Errorf("read server secret %s: %w", name, notFound(err))
	}
	return secret, nil
}
