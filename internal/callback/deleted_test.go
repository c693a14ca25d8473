package callback

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/pkg/webhook"
)

// TestWorkerDeliveryOfDeletedJob: a test job deleted while its callback is
// being sent takes its delivery with it. The worker takes the vanished row
// for gone: it neither alarms nor retries, and goes on delivering.
func TestWorkerDeliveryOfDeletedJob(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		tn := newTenant(t, st)
		// Set before the worker starts, read by the receiver after.
		var deleted, goneID string
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.Header.Get(webhook.HeaderDelivery) == deleted {
				if err := st.DeleteJob(context.Background(), tn.ID, goneID); err != nil {
					t.Errorf("DeleteJob: %v", err)
				}
				w.WriteHeader(http.StatusInternalServerError) // would be retried, if it were still there
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
		gone := newJob(t, st, tn.ID, rc.URL)
		_, deleted = move(t, st, gone, job.Uploaded, 4)
		goneID = gone.ID
		logs := &syncBuffer{}
		w := startWorker(t, testConfig(st, logs))
		w.Notify()
		waitFor(t, "the attempt of the deleted job's delivery", func() bool {
			return strings.Contains(logs.String(), "callback attempt made for a deleted job")
		})

		// The worker goes on: a later delivery arrives, and the deleted one
		// was not sent again meanwhile.
		kept := newJob(t, st, tn.ID, rc.URL)
		_, next := move(t, st, kept, job.Uploaded, 4)
		w.Notify()
		waitFor(t, "the next delivery", func() bool { return delivery(t, st, tn.ID, next).State == store.DeliveryDelivered })
		sent := 0
		for _, r := range rc.requests() {
			if r.Header.Get(webhook.HeaderDelivery) == deleted {
				sent++
			}
		}
		if sent != 1 {
			t.Errorf("the deleted job's delivery was sent %d times, want 1", sent)
		}
		if strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("a deleted job's delivery is logged as a problem:\n%s", logs)
		}
	})
}
