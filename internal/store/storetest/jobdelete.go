package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// runJobDelete runs the tests of who created a job and of deleting one.
func runJobDelete(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"JobCreatedBy", testJobCreatedBy},
		{"DeleteJob", testDeleteJob},
		{"DeleteJobUnderWork", testDeleteJobUnderWork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

func testJobCreatedBy(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	byKey := jobAt(tn.ID, false, at(0))
	byKey.CreatedBy = job.Creator{Type: job.ActorAPIKey, ID: id.New(id.APIKey), Name: "ERP staging"}
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: byKey}); err != nil {
		t.Fatal(err)
	}
	unknown := newJob(t, s, tn.ID, at(time.Second)) // as jobs from before creators were recorded
	got, err := s.Job(ctx, tn.ID, byKey.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "CreatedBy of a key's job", got.CreatedBy, byKey.CreatedBy)
	list, err := s.ListJobs(ctx, store.ListJobsParams{TenantID: tn.ID, Livemode: false})
	if err != nil || len(list) != 1 {
		t.Fatalf("ListJobs = %v, %v", list, err)
	}
	equal(t, "CreatedBy in a list", list[0].CreatedBy, byKey.CreatedBy)
	got, err = s.Job(ctx, tn.ID, unknown.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "CreatedBy of a job without one", got.CreatedBy, job.Creator{})
}

// jobWithEverything makes a job that owns one of each row a job can own:
// an idempotency record, an artwork version, events, a delivery with an
// attempt and a delivery a worker holds.
func jobWithEverything(t *testing.T, s store.Store, tenantID, key string, created time.Time) (store.Job, store.ArtworkVersion, []store.Delivery) {
	t.Helper()
	ctx := t.Context()
	j := jobAt(tenantID, false, created)
	rec := store.IdempotencyRecord{TenantID: tenantID, Key: key, RequestHash: "abc",
		StatusCode: 201, Body: []byte(`{}`), CreatedAt: created}
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j, Idempotency: &rec}); err != nil {
		t.Fatal(err)
	}
	v := upload(t, s, j, job.AwaitingUpload, created.Add(time.Second))
	move(t, s, j, job.Preflighting, created.Add(2*time.Second), "")
	move(t, s, j, job.PreflightFailed, created.Add(3*time.Second), hookA)
	// Delivered, with its attempt.
	first := claimOf(t, s, j, created.Add(4*time.Second), "w-"+key)
	if _, err := record(t, s, first.ID, "w-"+key, store.DeliveryDelivered, 200, created.Add(4*time.Second), time.Time{}); err != nil {
		t.Fatal(err)
	}
	// Pending and held by a worker.
	upload(t, s, j, job.PreflightFailed, created.Add(5*time.Second))
	move(t, s, j, job.Cancelled, created.Add(6*time.Second), hookA)
	claimOf(t, s, j, created.Add(7*time.Second), "w-"+key)
	ds, err := s.ListDeliveries(ctx, tenantID, j.ID)
	if err != nil || len(ds) != 2 {
		t.Fatalf("ListDeliveries = %v, %v; want 2", ds, err)
	}
	return j, v, ds
}

// claimOf claims due deliveries and returns the one of j's among them.
func claimOf(t *testing.T, s store.Store, j store.Job, now time.Time, worker string) store.Delivery {
	t.Helper()
	for _, c := range claim(t, s, now, worker) {
		if c.Delivery.JobID == j.ID {
			return c.Delivery
		}
	}
	t.Fatalf("no delivery of %s was claimed at %s", j.ID, now)
	return store.Delivery{}
}

func testDeleteJob(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	gone, gv, goneDeliveries := jobWithEverything(t, s, tn.ID, "k-gone", at(0))
	kept, kv, keptDeliveries := jobWithEverything(t, s, tn.ID, "k-kept", at(time.Minute))
	pingD := newPing(t, s, tn.ID, at(time.Hour))
	goneEvents, err := s.ListEvents(ctx, tn.ID, gone.ID)
	if err != nil || len(goneEvents) == 0 {
		t.Fatalf("ListEvents = %v, %v", goneEvents, err)
	}

	if err := s.DeleteJob(ctx, other.ID, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteJob by another tenant: %v, want ErrNotFound", err)
	}
	if _, err := s.Job(ctx, tn.ID, gone.ID); err != nil {
		t.Fatalf("another tenant's delete removed the job: %v", err)
	}
	if err := s.DeleteJob(ctx, tn.ID, gone.ID); err != nil {
		t.Fatal(err)
	}

	// Everything of the deleted job is gone.
	if _, err := s.Job(ctx, tn.ID, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Job after delete: %v, want ErrNotFound", err)
	}
	if _, err := s.JobByUploadToken(ctx, gone.UploadToken); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("JobByUploadToken after delete: %v, want ErrNotFound", err)
	}
	if es, err := s.ListEvents(ctx, tn.ID, gone.ID); err != nil || len(es) != 0 {
		t.Errorf("ListEvents after delete = %d events, %v; want none", len(es), err)
	}
	for _, e := range goneEvents {
		if _, err := s.Event(ctx, e.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Event %s after delete: %v, want ErrNotFound", e.ID, err)
		}
	}
	if vs, err := s.ListArtworkVersions(ctx, tn.ID, gone.ID); err != nil || len(vs) != 0 {
		t.Errorf("ListArtworkVersions after delete = %d, %v; want none", len(vs), err)
	}
	if _, err := s.ArtworkVersion(ctx, tn.ID, gv.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ArtworkVersion after delete: %v, want ErrNotFound", err)
	}
	if ds, err := s.ListDeliveries(ctx, tn.ID, gone.ID); err != nil || len(ds) != 0 {
		t.Errorf("ListDeliveries after delete = %d, %v; want none", len(ds), err)
	}
	for _, d := range goneDeliveries {
		if _, err := s.Delivery(ctx, tn.ID, d.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Delivery %s after delete: %v, want ErrNotFound", d.ID, err)
		}
		if as, err := s.ListAttempts(ctx, d.ID); err != nil || len(as) != 0 {
			t.Errorf("ListAttempts of %s after delete = %d, %v; want none", d.ID, len(as), err)
		}
	}
	if as, err := s.ListJobAttempts(ctx, tn.ID, gone.ID); err != nil || len(as) != 0 {
		t.Errorf("ListJobAttempts after delete = %v, %v; want none", as, err)
	}
	if _, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Key: "k-gone"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the deleted job's idempotency record: %v, want ErrNotFound", err)
	}
	// The delivery a worker held: its attempt finds it gone, rather than
	// taken by another worker, so the worker neither retries nor alarms.
	var held store.Delivery
	for _, d := range goneDeliveries {
		if d.State == store.DeliveryPending {
			held = d
		}
	}
	if _, err := record(t, s, held.ID, "w-k-gone", store.DeliveryDelivered, 200, at(8*time.Second), time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RecordAttempt on a deleted job's delivery: %v, want ErrNotFound", err)
	}

	// Nothing else was touched.
	if _, err := s.Job(ctx, tn.ID, kept.ID); err != nil {
		t.Errorf("the other job: %v", err)
	}
	if es, err := s.ListEvents(ctx, tn.ID, kept.ID); err != nil || len(es) != len(goneEvents) {
		t.Errorf("the other job's events = %d, %v; want %d", len(es), err, len(goneEvents))
	}
	if _, err := s.ArtworkVersion(ctx, tn.ID, kv.ID); err != nil {
		t.Errorf("the other job's version: %v", err)
	}
	if ds, err := s.ListDeliveries(ctx, tn.ID, kept.ID); err != nil || len(ds) != len(keptDeliveries) {
		t.Errorf("the other job's deliveries = %d, %v; want %d", len(ds), err, len(keptDeliveries))
	}
	if as, err := s.ListAttempts(ctx, keptDeliveries[0].ID); err != nil || len(as) != 1 {
		t.Errorf("the other job's attempts = %d, %v; want 1", len(as), err)
	}
	if _, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Key: "k-kept"}); err != nil {
		t.Errorf("the other job's idempotency record: %v", err)
	}
	if _, err := s.Delivery(ctx, tn.ID, pingD.ID); err != nil {
		t.Errorf("the test ping: %v", err)
	}

	if err := s.DeleteJob(ctx, tn.ID, gone.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteJob again: %v, want ErrNotFound", err)
	}
	// The key of the deleted job's record is free again.
	again := jobAt(tn.ID, false, at(2*time.Minute))
	rec := store.IdempotencyRecord{TenantID: tn.ID, Key: "k-gone", RequestHash: "abc", StatusCode: 201, CreatedAt: at(2 * time.Minute)}
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: again, Idempotency: &rec}); err != nil {
		t.Errorf("CreateJob with the deleted job's idempotency key: %v", err)
	}
}

// testDeleteJobUnderWork deletes a job the pipeline holds: its lease goes
// with it, renewing it fails (the worker stops its step) and releasing it
// is harmless.
func testDeleteJobUnderWork(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := jobAt(tn.ID, false, at(0))
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	upload(t, s, j, job.AwaitingUpload, at(time.Second))
	claimed, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: at(2 * time.Second), Lease: time.Minute, Limit: 10, Worker: "p1"})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimJobWork = %v, %v; want the job", claimed, err)
	}
	if err := s.DeleteJob(ctx, tn.ID, j.ID); err != nil {
		t.Fatalf("DeleteJob of a job under work: %v", err)
	}
	if err := s.RenewJobWork(ctx, store.RenewParams{JobID: j.ID, Worker: "p1", Until: at(time.Minute)}); err == nil {
		t.Error("RenewJobWork on a deleted job succeeded")
	}
	if err := s.ReleaseJobWork(ctx, store.ReleaseParams{JobID: j.ID, Worker: "p1"}); err != nil {
		t.Errorf("ReleaseJobWork on a deleted job: %v", err)
	}
	if again, err := s.ClaimJobWork(ctx, store.ClaimParams{Now: at(time.Hour), Lease: time.Minute, Limit: 10, Worker: "p2"}); err != nil || len(again) != 0 {
		t.Errorf("ClaimJobWork after delete = %v, %v; want nothing", again, err)
	}
}
