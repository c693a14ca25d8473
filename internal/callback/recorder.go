package callback

import (
	"context"
	"time"

	"github.com/atomyx/submit/internal/batch"

	"github.com/atomyx/submit/internal/store"
)

// maxBatch bounds the attempts recorded in one transaction.
const maxBatch = 256

// maxCommits bounds the batches committing at once. More than one, so
// that a commit slowed by a busy database does not hold every attempt
// finished meanwhile (and the receiver's slots, which their leases hold
// until recorded) behind it.
const maxCommits = 4

// recorder records attempts in batches: the attempts that finish while a
// batch is being committed go together in the next one. Each commit on
// PostgreSQL waits for its WAL to reach the disk (about a millisecond
// here, pg_test_fsync), and with one commit per attempt the benchmark's
// backends waited mostly on that; a batch shares one. An attempt's
// delivery stays in flight, its lease renewed, until its record is
// committed.
type recorder struct {
	store deliveryStore
	queue *batch.Queue[*pendingRecord]
}

type pendingRecord struct {
	p    store.AttemptParams
	done chan error // gets the outcome, once
}

func newRecorder(st deliveryStore) *recorder {
	r := &recorder{store: st}
	r.queue = batch.New(maxBatch, maxCommits, r.commit)
	return r
}

// run commits batches until ctx ends, up to maxCommits at once. It runs
// until the last attempt under way has been recorded (Worker.Stop ends it
// after that), and returns once its commits have.
func (r *recorder) run(ctx context.Context) { r.queue.Run(ctx) }

// record queues p for the next batch and waits for its outcome or for ctx.
func (r *recorder) record(ctx context.Context, p store.AttemptParams) error {
	pr := &pendingRecord{p: p, done: make(chan error, 1)}
	r.queue.Add(pr)
	select {
	case err := <-pr.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *recorder) commit(items []*pendingRecord) {
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	ps := make([]store.AttemptParams, len(items))
	for i, pr := range items {
		ps[i] = pr.p
	}
	// A failed transaction wrote nothing, and its attempts were sent: one
	// not recorded is sent again when its lease ends, a duplicate. So a
	// items is tried again (a deadlock or a dropped connection passes)
	// until recordTimeout.
	errs, err := r.store.RecordAttempts(ctx, ps)
	for wait := 10 * time.Millisecond; err != nil && ctx.Err() == nil; wait = min(2*wait, time.Second) {
		select {
		case <-ctx.Done():
		case <-time.After(wait):
			errs, err = r.store.RecordAttempts(ctx, ps)
		}
	}
	for i, pr := range items {
		if err != nil {
			pr.done <- err
		} else {
			pr.done <- errs[i]
		}
	}
}
