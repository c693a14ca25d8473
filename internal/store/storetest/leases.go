package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// leaseReleaser is a store that can end every lease at once (a SQLite
// server at start).
type leaseReleaser interface {
	ReleaseLeases(ctx context.Context) (int64, error)
}

// testReleaseLeases: after ReleaseLeases, a job's pipeline work and a
// delivery leased by a worker that died are claimed at once by another,
// long before their leases would have run out, and the pipeline's count
// of attempts is kept.
func testReleaseLeases(t *testing.T, s store.Store) {
	r, ok := s.(leaseReleaser)
	if !ok {
		t.Fatalf("%T cannot release leases", s)
	}
	ctx := t.Context()
	tn := newTenant(t, s, "leases")
	j := jobAt(tn.ID, true, at(time.Second))
	j.Status = job.Uploaded
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	holder := newJob(t, s, tn.ID, at(2*time.Second))
	move(t, s, holder, job.Uploaded, at(3*time.Second), "https://erp.example.com/hooks")
	now := at(time.Minute)
	if got, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: now, Lease: time.Hour, Limit: 10, Worker: "dead"}); err != nil || len(got) != 2 {
		t.Fatalf("the dead worker's claim: %d jobs, %v", len(got), err)
	}
	if got, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Lease: time.Hour, Limit: 10, Worker: "dead"}); err != nil || len(got) != 1 {
		t.Fatalf("the dead worker's delivery claim: %d, %v", len(got), err)
	}
	n, err := r.ReleaseLeases(ctx)
	if err != nil || n != 3 {
		t.Fatalf("ReleaseLeases = %d, %v; want 3 (two jobs, one delivery)", n, err)
	}
	jobs, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: "new"})
	if err != nil || len(jobs) != 2 {
		t.Fatalf("after the release, the new worker claimed %d jobs (%v), want 2", len(jobs), err)
	}
	for _, c := range jobs {
		if c.WorkAttempts != 2 {
			t.Errorf("job %s: attempt %d after the dead worker's, want 2", c.ID, c.WorkAttempts)
		}
	}
	ds, err := s.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Lease: time.Minute, Limit: 10, Worker: "new"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("after the release, the new worker claimed %d deliveries (%v), want 1", len(ds), err)
	}
}
