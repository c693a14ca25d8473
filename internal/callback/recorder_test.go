package callback

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// failingFirst is a real store whose first batch of attempts fails as a
// whole, as a deadlock or a dropped connection makes it fail.
type failingFirst struct {
	store.Store
	calls atomic.Int32
}

func (f *failingFirst) RecordAttempts(ctx context.Context, ps []store.AttemptParams) ([]error, error) {
	if f.calls.Add(1) == 1 {
		return nil, errors.New("deadlock detected")
	}
	return f.Store.RecordAttempts(ctx, ps)
}

// TestFailedBatchIsRecordedAgain: an attempt was sent, so a batch whose
// transaction failed is tried again rather than left for its lease to end,
// which would send the callback a second time.
func TestFailedBatchIsRecordedAgain(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		rc := newReceiver(t, ok)
		tn := newTenant(t, st)
		fs := &failingFirst{Store: st}
		w := startWorker(t, testConfig(fs, &syncBuffer{}))
		j := newJob(t, st, tn.ID, rc.URL)
		_, del := move(t, st, j, job.Uploaded, 4)
		w.Notify()
		waitFor(t, "delivered state", func() bool { return delivery(t, st, tn.ID, del).State == store.DeliveryDelivered })
		if n := fs.calls.Load(); n < 2 {
			t.Errorf("RecordAttempts called %d times, want the failed batch tried again", n)
		}
		if got := delivery(t, st, tn.ID, del); got.Attempts != 1 || len(rc.requests()) != 1 {
			t.Errorf("delivered after %d attempts and %d requests, want 1 of each", got.Attempts, len(rc.requests()))
		}
	})
}
