package workflow_test

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// failed makes a job whose "uploaded" callback to url failed for good: a
// workflow exception. The store stands in for the callback worker.
func (f *fixture) failed(t *testing.T, url string) store.Delivery {
	t.Helper()
	ctx := t.Context()
	j := f.job(t, workflow.NewJobParams{ExternalID: "ORDER-" + url, CallbackURL: url})
	if _, err := f.flow.Transition(ctx, workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	cs, err := f.store.ClaimDeliveries(ctx, store.ClaimParams{Now: time.Now().Add(time.Second), Lease: time.Minute, Limit: 100, Worker: "test"})
	if err != nil || len(cs) != 1 {
		t.Fatalf("claim: %v, %v", cs, err)
	}
	d, err := f.store.RecordAttempt(ctx, store.AttemptParams{DeliveryID: cs[0].Delivery.ID, Worker: "test", Outcome: store.DeliveryFailed,
		Attempt: store.Attempt{ID: id.New(id.Attempt), DeliveryID: cs[0].Delivery.ID, StartedAt: time.Now(), StatusCode: 500, Error: "the receiver answered 500"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRedeliverWakesTheWorker: a redelivery is pending again on the whole
// schedule and wakes the callback worker; a test ping is never sent again.
func TestRedeliverWakesTheWorker(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		d := f.failed(t, "https://erp.example.com/hook")
		before := f.notified
		got, err := f.flow.Redeliver(t.Context(), f.tenantID, d.ID)
		if err != nil || got.State != store.DeliveryPending || got.AttemptsLeft != 3 {
			t.Fatalf("redeliver: %+v, %v", got, err)
		}
		if f.notified != before+1 {
			t.Errorf("the callback worker was woken %d times, want once", f.notified-before)
		}
		if _, err := f.flow.Redeliver(t.Context(), "ten_other", d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another tenant's delivery: %v, want ErrNotFound", err)
		}
		ping := store.Delivery{ID: id.New(id.Delivery), TenantID: f.tenantID, Livemode: true,
			URL: "https://erp.example.com/hook", State: store.DeliveryFailed, NextAttemptAt: time.Now(), CreatedAt: time.Now()}
		if err := f.store.CreateDelivery(t.Context(), ping); err != nil {
			t.Fatal(err)
		}
		before = f.notified
		if _, err := f.flow.Redeliver(t.Context(), f.tenantID, ping.ID); !errors.Is(err, store.ErrStale) || f.notified != before {
			t.Errorf("redelivering a ping: %v, woke %d times", err, f.notified-before)
		}
	})
}

// TestRetryAll: every exception to one URL is sent again, the others are
// left, and the worker is woken once for all of them.
func TestRetryAll(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		ctx := t.Context()
		a1, a2 := f.failed(t, "https://erp.example.com/a"), f.failed(t, "https://erp.example.com/a")
		b := f.failed(t, "https://erp.example.com/b")
		before := f.notified
		n, err := f.flow.RetryAll(ctx, workflow.RetryAllParams{TenantID: f.tenantID, Livemode: true, URL: "https://erp.example.com/a"})
		if err != nil || n != 2 || f.notified != before+1 {
			t.Fatalf("retry all: %d, %v, woke %d times", n, err, f.notified-before)
		}
		for _, d := range []store.Delivery{a1, a2} {
			if got, _ := f.store.Delivery(ctx, f.tenantID, d.ID); got.State != store.DeliveryPending || got.AttemptsLeft != 3 {
				t.Errorf("%s after retry all: %s with %d attempts", d.ID, got.State, got.AttemptsLeft)
			}
		}
		if got, _ := f.store.Delivery(ctx, f.tenantID, b.ID); got.State != store.DeliveryFailed {
			t.Errorf("another URL's exception is %s", got.State)
		}
		before = f.notified
		n, err = f.flow.RetryAll(ctx, workflow.RetryAllParams{TenantID: f.tenantID, Livemode: false, URL: "https://erp.example.com/b"})
		if err != nil || n != 0 || f.notified != before {
			t.Errorf("retry all of test mode: %d, %v, woke %d times", n, err, f.notified-before)
		}
	})
}

// TestResolve: an exception is closed with its note, once.
func TestResolve(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		d := f.failed(t, "https://erp.example.com/hook")
		got, err := f.flow.Resolve(t.Context(), f.tenantID, d.ID, "order entered by hand")
		if err != nil || got.State != store.DeliveryResolved || got.ResolvedNote != "order entered by hand" || got.ResolvedAt == nil {
			t.Fatalf("resolve: %+v, %v", got, err)
		}
		if _, err := f.flow.Resolve(t.Context(), f.tenantID, d.ID, "again"); !errors.Is(err, store.ErrStale) {
			t.Errorf("resolving twice: %v, want ErrStale", err)
		}
	})
}
