package workflow_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

type fixture struct {
	flow     *workflow.Service
	store    store.Store
	tenantID string
	notified int
}

// setup returns a workflow on a fresh SQLite store with one tenant.
func setup(t *testing.T) *fixture {
	t.Helper()
	return setupOn(t, storetest.SQLite(t))
}

// forEachStore runs fn on SQLite and on PostgreSQL (storetest.ForEach).
func forEachStore(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.ForEach(t, func(t *testing.T, db store.Store) { fn(t, setupOn(t, db)) })
}

// setupOn returns a workflow on db, a migrated store, with one tenant.
func setupOn(t *testing.T, db store.Store) *fixture {
	t.Helper()
	tn, _, err := vault.New(db).EnsureTenant(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: db, tenantID: tn.ID}
	f.flow = &workflow.Service{Store: db, Now: time.Now, Attempts: 3, Notify: func() { f.notified++ }}
	return f
}

func (f *fixture) job(t *testing.T, p workflow.NewJobParams) job.Job {
	t.Helper()
	p.TenantID, p.Livemode = f.tenantID, true
	if p.ExternalID == "" {
		p.ExternalID = "ORDER"
	}
	j := f.flow.NewJob(p)
	if err := f.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestTransitionRecordsEventAndDelivery(t *testing.T) {
	t.Parallel()
	f := setup(t)
	j := f.job(t, workflow.NewJobParams{CallbackURL: "https://erp.example.com/hook"})
	ev, err := f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: job.Uploaded})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Sequence != 1 || ev.Type != job.EventUploaded || ev.OrderRef != "ORDER" || f.notified != 1 {
		t.Errorf("event %+v, notified %d", ev, f.notified)
	}
	ds, _ := f.store.ListDeliveries(t.Context(), f.tenantID, j.ID)
	if len(ds) != 1 || ds[0].URL != "https://erp.example.com/hook" || ds[0].AttemptsLeft != 3 {
		t.Errorf("deliveries = %+v", ds)
	}
	// A refused move changes nothing.
	if _, err := f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: job.Approved}); !errors.Is(err, job.ErrTransition) {
		t.Errorf("uploaded → approved: %v", err)
	}
	events, _ := f.store.ListEvents(t.Context(), f.tenantID, j.ID)
	if len(events) != 1 {
		t.Errorf("a refused move recorded an event: %d", len(events))
	}
}

// TestTenantDefaultCallbackAndCancel: a job without its own URL sends to
// its tenant's, and a cancel is sent too, saying who cancelled.
func TestTenantDefaultCallbackAndCancel(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if err := f.store.UpdateTenantSettings(t.Context(), f.tenantID, store.TenantSettings{CallbackURL: "https://erp.example.com/default"}); err != nil {
		t.Fatal(err)
	}
	j := f.job(t, workflow.NewJobParams{})
	if _, err := f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.flow.Cancel(t.Context(), f.tenantID, j.ID, operator); err != nil {
		t.Fatal(err)
	}
	ds, _ := f.store.ListDeliveries(t.Context(), f.tenantID, j.ID)
	if len(ds) != 2 || ds[0].URL != "https://erp.example.com/default" || ds[1].URL != ds[0].URL {
		t.Errorf("want deliveries of uploaded and cancelled to the tenant default: %+v", ds)
	}
	evs, _ := f.store.ListEvents(t.Context(), f.tenantID, j.ID)
	if last := evs[len(evs)-1]; last.Type != job.EventCancelled || last.Actor != operator {
		t.Errorf("last event %s by %+v, want cancelled by %+v", last.Type, last.Actor, operator)
	}
	// Cancelling again is allowed and changes nothing.
	again, err := f.flow.Cancel(t.Context(), f.tenantID, j.ID, operator)
	if err != nil || again.Status != job.Cancelled || again.Sequence != 2 {
		t.Errorf("second cancel: %+v %v", again, err)
	}
}

// TestSubscriptions: an event the job (or else its tenant) is not
// subscribed to is recorded and not sent; updated is sent only when asked.
func TestSubscriptions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	sent := func(t *testing.T, j job.Job) []job.EventType {
		t.Helper()
		ds, err := f.store.ListDeliveries(t.Context(), f.tenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := f.store.ListEvents(t.Context(), f.tenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 {
			t.Fatalf("%d events recorded, want 2 (uploaded, cancelled), sent or not", len(evs))
		}
		var out []job.EventType
		for _, d := range ds {
			for _, e := range evs {
				if e.ID == d.EventID {
					out = append(out, e.Type)
				}
			}
		}
		return out
	}
	walk := func(t *testing.T, p workflow.NewJobParams) job.Job {
		j := f.job(t, p)
		for _, to := range []job.Status{job.Uploaded, job.Cancelled} {
			if _, err := f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: to}); err != nil {
				t.Fatal(err)
			}
		}
		return j
	}
	url := "https://erp.example.com/hook"
	j := walk(t, workflow.NewJobParams{CallbackURL: url, Events: []job.EventType{job.EventCancelled}})
	if got := sent(t, j); !slices.Equal(got, []job.EventType{job.EventCancelled}) {
		t.Errorf("job subscribed to cancelled: sent %v", got)
	}
	j = walk(t, workflow.NewJobParams{CallbackURL: url, Events: []job.EventType{}})
	if got := sent(t, j); len(got) != 0 {
		t.Errorf("job subscribed to nothing: sent %v", got)
	}
	if err := f.store.UpdateTenantSettings(t.Context(), f.tenantID, store.TenantSettings{Events: []job.EventType{job.EventUploaded}}); err != nil {
		t.Fatal(err)
	}
	j = walk(t, workflow.NewJobParams{CallbackURL: url})
	if got := sent(t, j); !slices.Equal(got, []job.EventType{job.EventUploaded}) {
		t.Errorf("tenant subscribed to uploaded: sent %v", got)
	}
}

func TestConcurrentTransitionsGetConsecutiveSequences(t *testing.T) {
	t.Parallel()
	f := setup(t)
	j := f.job(t, workflow.NewJobParams{})
	// Two racers: one cancels, one uploads. Whatever wins, the loser either
	// follows (cancel after upload) or is refused; sequences never repeat.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, to := range []job.Status{job.Uploaded, job.Cancelled} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: to})
		}()
	}
	wg.Wait()
	events, _ := f.store.ListEvents(t.Context(), f.tenantID, j.ID)
	for i, e := range events {
		if e.Sequence != int64(i+1) {
			t.Errorf("event %d has sequence %d", i, e.Sequence)
		}
	}
	if errs[1] != nil {
		t.Errorf("cancel must win or follow: %v", errs[1])
	}
}

func TestSweeperExpiresJobs(t *testing.T) {
	t.Parallel()
	f := setup(t)
	// The workflow's clock moves two hours on between making the jobs and
	// sweeping; the sweeper's goroutine starts after the move, and reads it.
	now := time.Now()
	f.flow.Now = func() time.Time { return now }
	f.flow.Lifetime = time.Hour
	old := f.job(t, workflow.NewJobParams{})
	f.flow.Lifetime = 3 * time.Hour
	fresh := f.job(t, workflow.NewJobParams{})
	now = now.Add(2 * time.Hour)
	sw := &workflow.Sweeper{Service: f.flow, Interval: time.Hour, Logger: discard()}
	if err := sw.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, _ := f.store.Job(t.Context(), f.tenantID, old.ID)
		if j.Status == job.Expired {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not expired: %s", j.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sw.Stop()
	if j, _ := f.store.Job(t.Context(), f.tenantID, fresh.ID); j.Status != job.AwaitingUpload {
		t.Errorf("a job within its lifetime expired: %s", j.Status)
	}
	if n, err := f.flow.ExpireDue(t.Context(), 10); err != nil || n != 0 {
		t.Errorf("expiring again: %d %v", n, err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestRejectReasonIsText: the workflow itself refuses a reason with a
// control character, whoever calls it, and stores line breaks as LF.
func TestRejectReasonIsText(t *testing.T) {
	t.Parallel()
	f := setup(t)
	j := f.proofReady(t)
	for _, reason := range []string{"wrong\x00", "wrong\x1b[0m", "INV-\u202e1001", "a\u2028b", "\xff"} {
		_, err := f.flow.Reject(t.Context(), f.tenantID, j.ID, reason, customer)
		if !errors.Is(err, workflow.ErrReason) || !errors.Is(err, job.ErrText) {
			t.Errorf("Reject(%q) = %v, want a refused reason", reason, err)
		}
	}
	got, err := f.flow.Reject(t.Context(), f.tenantID, j.ID, " Page 2:\r\nwrong\rnumber ", customer)
	if err != nil || got.Status != job.Rejected {
		t.Fatalf("Reject: %v", err)
	}
	events, _ := f.store.ListEvents(t.Context(), f.tenantID, j.ID)
	if msg := events[len(events)-1].Errors[0].Message; msg != "Page 2:\nwrong\nnumber" {
		t.Errorf("stored reason %q", msg)
	}
}

func TestCleanFilename(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"flyer.pdf":                  "flyer.pdf",
		`C:\jobs\flyer.pdf`:          "flyer.pdf",
		"invoice\u202efdp.exe":       "invoicefdp.exe",
		"a\x00b\x1b\u0085\u2066.pdf": "ab.pdf",
		"\"quoted\".pdf":             "quoted.pdf",
		"\u202e":                     "artwork.pdf",
	} {
		if got := workflow.CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

// The deciders of the tests' moves.
var (
	customer = job.Actor{Kind: job.ActorCustomer}
	operator = job.Actor{Kind: job.ActorOperator, ID: "usr_test"}
)
