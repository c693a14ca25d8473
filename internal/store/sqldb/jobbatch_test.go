package sqldb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/storetest"
)

// TestJobBatch runs PostgreSQL's shared job inserts on chosen batches:
// one that its statement takes whole, where a taken idempotency key skips
// its job alone with ErrConflict, and one whose statement fails on a
// reused upload token, whose creates are then made one by one, each with
// its own outcome.
func TestJobBatch(t *testing.T) {
	t.Parallel()
	pg, tn, now := postgresWithTenant(t)
	ctx := t.Context()
	newJob := func() store.Job {
		return store.Job{ID: id.New(id.Job), TenantID: tn.ID, Livemode: true, ExternalID: "ORDER-1",
			Status: job.AwaitingUpload, UploadToken: id.Token(16), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	withKey := func(key string) store.CreateJobParams {
		return store.CreateJobParams{Job: newJob(), Idempotency: &store.IdempotencyRecord{TenantID: tn.ID, Livemode: true,
			Key: key, RequestHash: "h", StatusCode: 201, Body: []byte("{}"), CreatedAt: now}}
	}
	exists := func(j store.Job) bool {
		_, err := pg.Job(ctx, j.TenantID, j.ID)
		return err == nil
	}

	first := []store.CreateJobParams{{Job: newJob()}, withKey("k1"), withKey("k1"), withKey("k2")}
	errs := pg.CreateJobsInOneBatch(first)
	if errs == nil {
		t.Fatal("PostgreSQL does not batch job inserts")
	}
	if errs[0] != nil || errs[1] != nil || errs[3] != nil || !errors.Is(errs[2], store.ErrConflict) {
		t.Fatalf("errs = %v, want nil, nil, ErrConflict, nil", errs)
	}
	for i, want := range []bool{true, true, false, true} {
		if exists(first[i].Job) != want {
			t.Errorf("job %d made: %v, want %v", i, !want, want)
		}
	}

	reused := newJob()
	reused.UploadToken = first[0].Job.UploadToken
	second := []store.CreateJobParams{{Job: newJob()}, {Job: reused}, withKey("k2"), withKey("k3")}
	errs = pg.CreateJobsInOneBatch(second)
	if errs[0] != nil || !errors.Is(errs[1], store.ErrConflict) || !errors.Is(errs[2], store.ErrConflict) || errs[3] != nil {
		t.Fatalf("errs = %v, want nil, ErrConflict, ErrConflict, nil", errs)
	}
	for i, want := range []bool{true, false, false, true} {
		if exists(second[i].Job) != want {
			t.Errorf("job %d of the failed statement made: %v, want %v", i, !want, want)
		}
	}
}

// postgresWithTenant returns a PostgreSQL store of the test's own with one
// tenant, made now (to the second).
func postgresWithTenant(t *testing.T) (*postgres.DB, store.Tenant, time.Time) {
	t.Helper()
	pg := storetest.Postgres(t).(*postgres.DB)
	now := time.Now().UTC().Truncate(time.Second)
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: now}
	if err := pg.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	return pg, tn, now
}
