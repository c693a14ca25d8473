package storetest

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

func testCreateAndReadJob(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	j := jobAt(tn.ID, false, at(time.Second))
	j.Metadata = []job.Metadata{{PropertyID: "orderNumber", PropertyName: "Order number", Value: "TEST-1"}}
	j.Brand = &job.Brand{Color: "#1A73E8", Logo: "https://example.com/logo.png"}
	j.ArtworkURL = "https://example.com/a.pdf"
	j.ArtworkFetch = store.FetchPending
	j.Locale = "de-AT"
	j.CallbackURL = "https://erp.example.com/hooks"
	j.Preflight = &job.Expectations{Profile: "default", TrimSize: &job.Size{Width: 210, Height: 297, Unit: "mm"},
		PageCount: 2, Bleed: &job.Bleed{Size: 3, Unit: "mm"}}
	j.UpdatedAt = at(2 * time.Second)
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Job", got, j)
	if got, err = s.JobByUploadToken(ctx, j.UploadToken); err != nil {
		t.Fatal(err)
	}
	equal(t, "JobByUploadToken", got, j)

	if _, err := s.Job(ctx, other.ID, j.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Job of another tenant: %v, want ErrNotFound", err)
	}
	if _, err := s.Job(ctx, tn.ID, id.New(id.Job)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Job(unknown): %v, want ErrNotFound", err)
	}
	if _, err := s.JobByUploadToken(ctx, id.Token(16)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("JobByUploadToken(unknown): %v, want ErrNotFound", err)
	}
	// A minimal job keeps its nil fields nil.
	minimal := newJob(t, s, tn.ID, at(3*time.Second))
	if got, err = s.Job(ctx, tn.ID, minimal.ID); err != nil {
		t.Fatal(err)
	}
	equal(t, "minimal Job", got, minimal)

	dup := jobAt(tn.ID, true, at(4*time.Second))
	dup.UploadToken = j.UploadToken
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: dup}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateJob with a taken upload token: %v, want ErrConflict", err)
	}
}

func testJobIdempotency(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	rec := store.IdempotencyRecord{TenantID: tn.ID, Livemode: true, Key: "k-1", RequestHash: "abc",
		StatusCode: 201, Body: []byte(`{"id":"ses_1"}`), CreatedAt: at(0)}
	first := jobAt(tn.ID, true, at(0))
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: first, Idempotency: &rec}); err != nil {
		t.Fatal(err)
	}
	got, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Livemode: true, Key: "k-1"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "IdempotencyRecord", got, rec)

	// The same key again: nothing is written.
	retry := jobAt(tn.ID, true, at(time.Second))
	again := rec
	again.RequestHash = "def"
	err = s.CreateJob(ctx, store.CreateJobParams{Job: retry, Idempotency: &again})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateJob with a used idempotency key: %v, want ErrConflict", err)
	}
	if _, err := s.Job(ctx, tn.ID, retry.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused job was written: %v", err)
	}
	if got, _ = s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Livemode: true, Key: "k-1"}); got.RequestHash != "abc" {
		t.Errorf("the record was overwritten: %+v", got)
	}
	// The same key in test mode is another record.
	testRec := rec
	testRec.Livemode, testRec.CreatedAt = false, at(time.Hour)
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: jobAt(tn.ID, false, at(time.Hour)), Idempotency: &testRec}); err != nil {
		t.Fatalf("same key in test mode: %v", err)
	}
	if _, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Key: "k-2"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("IdempotencyRecord(unknown): %v, want ErrNotFound", err)
	}
	n, err := s.DeleteIdempotencyRecords(ctx, at(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("DeleteIdempotencyRecords = %d, %v; want 1", n, err)
	}
	if _, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Livemode: true, Key: "k-1"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted record still there: %v", err)
	}
	if _, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Livemode: false, Key: "k-1"}); err != nil {
		t.Errorf("newer record deleted: %v", err)
	}
}

func testListJobs(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	var live []store.Job // newest first, as listed
	for i := range 5 {
		j := jobAt(tn.ID, true, at(time.Duration(i)*time.Second))
		if i%2 == 0 {
			j.ExternalID = "EVEN"
		}
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
		live = append([]store.Job{j}, live...)
	}
	for i, tenant := range []string{tn.ID, other.ID} {
		j := jobAt(tenant, i == 1, at(time.Minute+time.Duration(i)*time.Second))
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
	}
	moved := move(t, s, live[1], job.Uploaded, at(time.Hour), "")
	live[1].Status, live[1].Sequence, live[1].UpdatedAt = job.Uploaded, moved.Sequence, at(time.Hour)

	list := func(p store.ListJobsParams) []string {
		t.Helper()
		js, err := s.ListJobs(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return ids(js, jobID)
	}
	all := ids(live, jobID)
	p := store.ListJobsParams{TenantID: tn.ID, Livemode: true, Limit: 2}
	equal(t, "page 1", list(p), all[0:2])
	p.After = all[1]
	equal(t, "page 2", list(p), all[2:4])
	p.After = all[3]
	equal(t, "page 3", list(p), all[4:])
	p.After = all[4]
	equal(t, "page 4", list(p), []string{})

	equal(t, "externalId filter", list(store.ListJobsParams{TenantID: tn.ID, Livemode: true, ExternalID: "EVEN", Limit: 10}),
		[]string{all[0], all[2], all[4]})
	equal(t, "status filter", list(store.ListJobsParams{TenantID: tn.ID, Livemode: true, Status: job.Uploaded, Limit: 10}),
		[]string{all[1]})
	if got := list(store.ListJobsParams{TenantID: tn.ID, Livemode: false, Limit: 10}); len(got) != 1 || got[0] == all[0] {
		t.Errorf("test-mode jobs = %v, want the one test job", got)
	}
	if got := list(store.ListJobsParams{TenantID: other.ID, Livemode: false, Limit: 10}); len(got) != 0 {
		t.Errorf("other tenant's test jobs = %v, want none", got)
	}
	js, err := s.ListJobs(ctx, store.ListJobsParams{TenantID: tn.ID, Livemode: true, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "listed jobs", js, live)
}

func testExpiredJobs(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	mk := func(created time.Time, expires time.Duration, final bool) store.Job {
		j := jobAt(tn.ID, true, created)
		j.ExpiresAt = at(expires)
		if final {
			j.Status = job.Approved
		}
		if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
			t.Fatal(err)
		}
		return j
	}
	late := mk(at(0), 2*time.Hour, false)
	early := mk(at(time.Second), time.Hour, false)
	mk(at(2*time.Second), time.Hour, true)    // approved: never expires
	mk(at(3*time.Second), 5*time.Hour, false) // not yet
	got, err := s.ListExpiredJobs(ctx, at(3*time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ListExpiredJobs", ids(got, jobID), []string{early.ID, late.ID})
	if got, err = s.ListExpiredJobs(ctx, at(3*time.Hour), 1); err != nil || len(got) != 1 {
		t.Errorf("ListExpiredJobs with limit 1 = %d jobs, %v", len(got), err)
	}
}

func testTransition(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	// The job's locale is copied into its events, as its order reference is.
	j := jobAt(tn.ID, true, at(0))
	j.Locale = "de"
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	details := json.RawMessage(`{"ppi":150,"min":300}`)
	p := store.TransitionParams{
		TenantID: tn.ID, JobID: j.ID, From: []job.Status{job.AwaitingUpload},
		Event: job.Event{ID: id.New(id.Event), Type: job.EventUploaded, Status: job.Uploaded,
			ArtworkVersionID: "av_1", Errors: []job.Finding{{Code: "LOW_RESOLUTION_IMAGE", Check: "image_resolution",
				Severity: "warning", Message: "Low resolution.", Page: 1, Details: details}},
			Files: map[string]string{"proof": "blob/proof.png"}, OccurredAt: at(time.Minute)},
		CurrentVersionID: "av_1",
		CallbackURL:      "https://erp.example.com/hooks", DeliveryID: id.New(id.Delivery), Attempts: 7,
	}
	e1, err := s.TransitionJob(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	want := p.Event
	want.JobID, want.TenantID, want.Livemode, want.Sequence, want.OrderRef, want.Locale = j.ID, tn.ID, true, 1, j.ExternalID, "de"
	equal(t, "returned event", e1, want)
	got, err := s.Event(ctx, e1.ID)
	if err != nil {
		t.Fatal(err)
	}
	canonicalDetails(t, &got)
	canonicalDetails(t, &want)
	equal(t, "stored event", got, want)

	e2 := move(t, s, j, job.Preflighting, at(2*time.Minute), "")
	e3 := move(t, s, j, job.PreflightPassed, at(3*time.Minute), "https://erp.example.com/hooks")
	if e2.Sequence != 2 || e3.Sequence != 3 {
		t.Errorf("sequences = %d, %d; want 2, 3", e2.Sequence, e3.Sequence)
	}
	gotJob, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	j.Status, j.Sequence, j.UpdatedAt, j.CurrentVersionID = job.PreflightPassed, 3, at(3*time.Minute), "av_1"
	equal(t, "job after transitions", gotJob, j)

	events, err := s.ListEvents(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "event ids", ids(events, func(e job.Event) string { return e.ID }), []string{e1.ID, e2.ID, e3.ID})
	equal(t, "event statuses", []job.Status{events[0].Status, events[1].Status, events[2].Status},
		[]job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed})

	ds, err := s.ListDeliveries(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want 2 (one per transition with a callback URL)", len(ds))
	}
	equal(t, "delivery of the first event", ds[0], store.Delivery{
		ID: p.DeliveryID, TenantID: tn.ID, JobID: j.ID, EventID: e1.ID, Livemode: true, URL: p.CallbackURL,
		State: store.DeliveryPending, AttemptsLeft: 7, NextAttemptAt: at(time.Minute), CreatedAt: at(time.Minute),
		Sequence: 1,
	})
	if ds[1].EventID != e3.ID || ds[1].Sequence != 3 || !ds[1].NextAttemptAt.Equal(at(3*time.Minute)) {
		t.Errorf("delivery of the third event = %+v", ds[1])
	}
}

// canonicalDetails rewrites finding details in one form: PostgreSQL may
// reformat JSON it stores, and only the meaning must survive.
func canonicalDetails(t *testing.T, e *job.Event) {
	t.Helper()
	for i, f := range e.Errors {
		var v any
		if err := json.Unmarshal(f.Details, &v); err != nil {
			t.Fatalf("details %s: %v", f.Details, err)
		}
		b, _ := json.Marshal(v)
		e.Errors[i].Details = b
	}
}

func testTransitionRefused(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	j := newJob(t, s, tn.ID, at(0))
	p := func(tenantID, jobID string, from ...job.Status) store.TransitionParams {
		return store.TransitionParams{TenantID: tenantID, JobID: jobID, From: from,
			Event: job.Event{ID: id.New(id.Event), Type: job.EventPreflighting, Status: job.Preflighting,
				OccurredAt: at(time.Minute)},
			CallbackURL: "https://erp.example.com/hooks", DeliveryID: id.New(id.Delivery), Attempts: 7}
	}
	if _, err := s.TransitionJob(ctx, p(tn.ID, j.ID, job.Uploaded, job.Rejected)); !errors.Is(err, store.ErrStale) {
		t.Errorf("transition from the wrong status: %v, want ErrStale", err)
	}
	if _, err := s.TransitionJob(ctx, p(other.ID, j.ID, job.AwaitingUpload)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("transition of another tenant's job: %v, want ErrNotFound", err)
	}
	if _, err := s.TransitionJob(ctx, p(tn.ID, id.New(id.Job), job.AwaitingUpload)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("transition of an unknown job: %v, want ErrNotFound", err)
	}
	// Nothing was written by the refusals.
	got, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "job after refused transitions", got, j)
	if es, err := s.ListEvents(ctx, tn.ID, j.ID); err != nil || len(es) != 0 {
		t.Errorf("events after refused transitions: %d, %v", len(es), err)
	}
	if ds, err := s.ListDeliveries(ctx, tn.ID, j.ID); err != nil || len(ds) != 0 {
		t.Errorf("deliveries after refused transitions: %d, %v", len(ds), err)
	}
	if _, err := s.Event(ctx, id.New(id.Event)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Event(unknown): %v, want ErrNotFound", err)
	}
	// The job's events are not listed for another tenant.
	move(t, s, j, job.Uploaded, at(time.Hour), "")
	if es, err := s.ListEvents(ctx, other.ID, j.ID); err != nil || len(es) != 0 {
		t.Errorf("ListEvents for another tenant: %d events, %v; want none", len(es), err)
	}
}

// testConcurrentTransitions: transitions racing on one job all succeed, one
// after the other, with distinct consecutive sequences.
func testConcurrentTransitions(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	const n = 8
	seqs := make(chan int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e, err := s.TransitionJob(ctx, store.TransitionParams{
				TenantID: tn.ID, JobID: j.ID, From: []job.Status{job.AwaitingUpload, job.Uploaded},
				Event: job.Event{ID: id.New(id.Event), Type: job.EventUploaded, Status: job.Uploaded,
					OccurredAt: at(time.Duration(i) * time.Second)},
				CallbackURL: "https://erp.example.com/hooks", DeliveryID: id.New(id.Delivery), Attempts: 1,
			})
			if err != nil {
				t.Errorf("transition %d: %v", i, err)
				return
			}
			seqs <- e.Sequence
		})
	}
	wg.Wait()
	close(seqs)
	seen := map[int64]bool{}
	for s := range seqs {
		if seen[s] {
			t.Errorf("sequence %d given twice", s)
		}
		seen[s] = true
	}
	for i := int64(1); i <= n; i++ {
		if !seen[i] {
			t.Errorf("sequence %d missing; got %v", i, seen)
		}
	}
	events, err := s.ListEvents(ctx, tn.ID, j.ID)
	if err != nil || len(events) != n {
		t.Fatalf("ListEvents = %d events, %v; want %d", len(events), err, n)
	}
	for i, e := range events {
		if e.Sequence != int64(i+1) {
			t.Errorf("event %d has sequence %d", i, e.Sequence)
		}
	}
	got, err := s.Job(ctx, tn.ID, j.ID)
	if err != nil || got.Sequence != n {
		t.Errorf("job sequence = %d, %v; want %d", got.Sequence, err, n)
	}
	ds, err := s.ListDeliveries(ctx, tn.ID, j.ID)
	if err != nil || len(ds) != n {
		t.Errorf("deliveries = %d, %v; want %d", len(ds), err, n)
	}
}

// testJobsByID: the tenant's jobs among the ids, whole, and none of
// another tenant's or unknown ids.
func testJobsByID(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	j1, j2 := newJob(t, s, a.ID, at(0)), newJob(t, s, a.ID, at(time.Second))
	newJob(t, s, a.ID, at(2*time.Second)) // not asked for
	theirs := newJob(t, s, b.ID, at(3*time.Second))
	got, err := s.ListJobsByID(ctx, a.ID, []string{j2.ID, j1.ID, theirs.ID, "ses_unknown", j1.ID})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, func(x, y store.Job) int { return strings.Compare(x.ID, y.ID) })
	equal(t, "ListJobsByID", got, []store.Job{j1, j2})
	if got, err := s.ListJobsByID(ctx, a.ID, nil); err != nil || len(got) != 0 {
		t.Errorf("ListJobsByID of no ids = %v, %v", got, err)
	}
}
