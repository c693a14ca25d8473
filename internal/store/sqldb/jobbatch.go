package sqldb

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// jobBatch inserts the jobs that concurrent CreateJob calls make in shared
// statements, on PostgreSQL (WritableCTE, no GroupCommit).
//
// With a job and its idempotency record already one statement, what a
// create costs PostgreSQL is mostly that statement's fixed cost: starting
// the executor, opening the table and its thirteen indexes, committing.
// Sampled with perf during bench/jobs, the backends spent their time there
// (relation and plan cache lookups, expression setup, index info) rather
// than on the rows, and used as much CPU per job as SQLite's whole request.
// A batch pays it once for every create queued while the previous batch
// ran: one multi-row statement, so one transaction and one commit.
//
// Each create keeps its own outcome. A taken idempotency key skips that
// job alone (ON CONFLICT DO NOTHING on the record, and the job is inserted
// only when its record was) and its caller gets ErrConflict, as the single
// statement would say. Any other failure fails the statement, and with it
// every create in the batch, which are then made one by one, each with its
// own error. A caller hears only after the commit.
type jobBatch struct {
	db *DB
	*shared[*jobCreate]
}

// jobCreate is one CreateJob waiting for its batch.
type jobCreate struct {
	p    store.CreateJobParams
	args []any
	done chan error
}

// maxJobBatch bounds the jobs in one statement (26 parameters each), and
// jobBatches the statements running at once. One at a time: the creates
// that arrive while it runs make the next, larger, batch. In bench/jobs
// (32 clients, one process) one statement at a time made 3,708 and
// 3,760 jobs/s, two 3,459 to 3,761, four 3,250 to 3,441, and one insert
// per job 2,746, on a machine where SQLite made 4,130 to 4,400.
const (
	maxJobBatch = 64
	jobBatches  = 1
)

// batchTimeout bounds a batch's statement: its callers wait for it
// whatever their contexts say, as the work may be committing.
const batchTimeout = 30 * time.Second

func newJobBatch(db *DB) *jobBatch {
	b := &jobBatch{db: db}
	b.shared = startShared(maxJobBatch, jobBatches, b.run)
	return b
}

// create queues a job and waits for the outcome of its batch.
func (b *jobBatch) create(p store.CreateJobParams, args []any) error {
	c := &jobCreate{p: p, args: args, done: make(chan error, 1)}
	b.queue.Add(c)
	select {
	case err := <-c.done:
		return err
	case <-b.stopped.Done():
		// close waits for the batches under way; one not taken is not
		// made.
		select {
		case err := <-c.done:
			return err
		default:
			return errClosed
		}
	}
}

// run makes one batch's jobs: in one statement, or, when it fails, one by
// one.
func (b *jobBatch) run(items []*jobCreate) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	made, err := b.db.createJobs(ctx, items)
	if err != nil {
		for _, c := range items {
			c.done <- b.db.createJobStatement(ctx, c.p, c.args)
		}
		return
	}
	for _, c := range items {
		switch {
		case made[c.p.Job.ID]:
			c.done <- nil
		case c.p.Idempotency != nil:
			// Only a record's conflict skips a job without failing the
			// statement.
			c.done <- fmt.Errorf("%w: idempotency key %q is taken", store.ErrConflict, c.p.Idempotency.Key)
		default:
			c.done <- fmt.Errorf("job %s was not made by its batch", c.p.Job.ID)
		}
	}
}

// batchColumns are a batch row's columns: a job's, then its idempotency
// record's, with their types (VALUES take the type of their first row, and
// a parameter has none of its own).
var batchColumns = []struct{ name, typ string }{
	{"id", "text"}, {"tenant_id", "text"}, {"livemode", "boolean"}, {"external_id", "text"},
	{"status", "text"}, {"metadata", "jsonb"}, {"brand", "jsonb"}, {"artwork_url", "text"},
	{"callback_url", "text"}, {"preflight", "jsonb"}, {"upload_token", "text"}, {"sequence", "bigint"},
	{"current_version_id", "text"}, {"artwork_fetch", "text"}, {"created_at", "timestamptz"},
	{"updated_at", "timestamptz"}, {"expires_at", "timestamptz"}, {"events", "jsonb"},
	{"created_by_key_id", "text"}, {"created_by_name", "text"}, {"locale", "text"},
	{"i_key", "text"}, {"i_hash", "text"}, {"i_status", "integer"}, {"i_body", "bytea"}, {"i_created", "timestamptz"},
}

// createJobs inserts the batch's jobs, and their records, in one
// statement, and returns the ids of the jobs made.
func (db *DB) createJobs(ctx context.Context, items []*jobCreate) (map[string]bool, error) {
	names := make([]string, len(batchColumns))
	for i, c := range batchColumns {
		names[i] = c.name
	}
	var q params
	rows := make([]string, len(items))
	for i, c := range items {
		vals := append([]any(nil), c.args...)
		if r := c.p.Idempotency; r != nil {
			vals = append(vals, r.Key, r.RequestHash, r.StatusCode, r.Body, db.t(r.CreatedAt))
		} else {
			vals = append(vals, nil, nil, nil, nil, nil)
		}
		cells := make([]string, len(vals))
		for k, v := range vals {
			cells[k] = q.add(v) + "::" + batchColumns[k].typ
		}
		rows[i] = "(" + strings.Join(cells, ", ") + ")"
	}
	query := `WITH input (` + strings.Join(names, ", ") + `) AS (VALUES ` + strings.Join(rows, ", ") + `),
	record AS (
		INSERT INTO idempotency_keys (` + idempotencyColumns + `)
		SELECT tenant_id, livemode, i_key, i_hash, i_status, i_body, i_created, id FROM input WHERE i_key IS NOT NULL
		ON CONFLICT (tenant_id, livemode, key) DO NOTHING
		RETURNING job_id)
	INSERT INTO jobs (` + jobColumns + `)
	SELECT ` + jobColumns + ` FROM input WHERE i_key IS NULL OR id IN (SELECT job_id FROM record)
	RETURNING id`
	ids, err := queryAll(ctx, db.w, func(row scanner) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	}, query, q.args...)
	if err != nil {
		return nil, fmt.Errorf("create %d jobs: %w", len(items), err)
	}
	made := make(map[string]bool, len(ids))
	for _, id := range ids {
		made[id] = true
	}
	return made, nil
}
