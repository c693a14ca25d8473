package workflow_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/atomyx/submit/pkg/webhook"
)

// TestExpiryReachesERP: a job whose lifetime passes is expired by the
// sweep's ExpireDue, and a real receiver gets a signed expired callback
// that names no decider.
func TestExpiryReachesERP(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		secret, err := vault.New(f.store).ActiveSecret(t.Context(), f.tenantID)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan callback.Payload, 4)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			if err := webhook.Verify(secret, r.Header.Get("X-Atomyx-Signature"), r.Header.Get("X-Atomyx-Timestamp"), b); err != nil {
				t.Errorf("callback signature: %v", err)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			var p callback.Payload
			if err := json.Unmarshal(b, &p); err != nil {
				t.Errorf("callback body: %v", err)
			}
			got <- p
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		w, err := callback.New(callback.Config{Store: f.store, Client: netguard.NewClient(netguard.Options{AllowInsecure: true}),
			Schedule: callback.Schedule{0}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
		f.flow.Notify = w.Notify
		f.flow.Lifetime = -time.Second // born past its lifetime: the sweep below expires it
		j := f.job(t, workflow.NewJobParams{CallbackURL: srv.URL})
		n, err := f.flow.ExpireDue(t.Context(), 10)
		if err != nil || n != 1 {
			t.Fatalf("ExpireDue = %d, %v; want 1", n, err)
		}
		select {
		case p := <-got:
			if p.EventType != string(job.EventExpired) || p.SessionID != j.ID || p.Status != "expired" || p.DecidedBy != "" {
				t.Errorf("callback = %+v, want expired with no decider", p)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("no expired callback within 30 s")
		}
	})
}

// TestSweepersAtOnce: three sweepers in the same second, as three
// processes, over 300 due jobs: after one round each, every job is expired,
// once, and the sweepers together say they moved 300.
func TestSweepersAtOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		f.flow.Lifetime = -time.Second // born past its lifetime
		const due = 300
		for range due {
			f.job(t, workflow.NewJobParams{})
		}
		var wg sync.WaitGroup
		moved := make([]int, 3)
		for i := range moved {
			flow := &workflow.Service{Store: f.store, Now: time.Now} // a process of its own
			wg.Go(func() {
				n, err := flow.ExpireDue(t.Context(), 100)
				if err != nil {
					t.Errorf("sweeper %d: %v", i, err)
				}
				moved[i] = n
			})
		}
		wg.Wait()
		if left, err := f.store.ListExpiredJobs(t.Context(), time.Now(), 1000); err != nil || len(left) != 0 {
			t.Errorf("after one round: %d due jobs left (%v), want 0", len(left), err)
		}
		if total := moved[0] + moved[1] + moved[2]; total != due {
			t.Errorf("sweepers moved %v, %d in all; want %d", moved, total, due)
		}
		counts, err := f.store.JobCounts(t.Context(), f.tenantID, true)
		if err != nil || counts[job.Expired] != due {
			t.Errorf("expired jobs: %v (%v), want %d", counts, err, due)
		}
	})
}
