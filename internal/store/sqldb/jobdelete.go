package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/atomyx/submit/internal/job"
)

// creator is a stored job's Creator: a key id makes it the key's; no key
// id, a job from before creators were recorded.
func creator(keyID, name string) job.Creator {
	if keyID == "" {
		return job.Creator{}
	}
	return job.Creator{Type: job.ActorAPIKey, ID: keyID, Name: name}
}

// creatorKeyID is what a job's created_by_key_id holds: the key's id when
// a key created it.
func creatorKeyID(c job.Creator) string {
	if c.Type != job.ActorAPIKey {
		return ""
	}
	return c.ID
}

// jobOwned lists, children first, the rows a job owns, each as the DELETE
// that removes them. The foreign keys cascade too; the explicit deletes
// keep the order visible and do not depend on SQLite's foreign_keys
// pragma. A table added later that references jobs must cascade, or be
// added here.
var jobOwned = []string{
	`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE job_id = $1)`,
	`DELETE FROM deliveries WHERE job_id = $1`,
	`DELETE FROM events WHERE job_id = $1`,
	`DELETE FROM artwork_versions WHERE job_id = $1`,
	`DELETE FROM idempotency_keys WHERE job_id = $1`,
	`DELETE FROM jobs WHERE id = $1`,
}

// DeleteJob removes a job of the tenant and every row it owns, in one
// transaction.
//
// The job's row is locked first (an UPDATE that changes nothing): on
// PostgreSQL a transition under way commits before the delete goes on, and
// one that starts later finds no job (store.ErrNotFound), so no event or
// delivery is left without its job. SQLite's single writer orders them
// anyway. A delivery a callback worker holds is deleted with the rest; the
// worker's RecordAttempt then finds no delivery (store.ErrNotFound).
func (db *DB) DeleteJob(ctx context.Context, tenantID, jobID string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET sequence = sequence WHERE id = $1 AND tenant_id = $2`,
			jobID, tenantID)
		if err != nil {
			return err
		}
		if err := mustAffect(res); err != nil {
			return err
		}
		for _, q := range jobOwned {
			if _, err := tx.ExecContext(ctx, q, jobID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete job %s: %w", jobID, err)
	}
	return nil
}
