package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
)

// TestGroupCommitIsolatesCallers runs many concurrent job creations, some of
// which must fail on a taken upload token after their idempotency record was
// written, so that batches mix successes and half-done failures: every
// success must be stored, and no failure may leave anything behind.
func TestGroupCommitIsolatesCallers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gc.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "gc", CreatedAt: now}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	const n = 400
	var wg sync.WaitGroup
	errs := make([]error, n)
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := job.Job{ID: id.New(id.Job), TenantID: tn.ID, Livemode: true, ExternalID: fmt.Sprint(i),
				Status: job.AwaitingUpload, UploadToken: id.Token(24), CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)}
			ids[i] = j.ID
			// Every third request reuses one upload token: one wins, the
			// rest fail on the job insert, after their idempotency insert.
			if i%3 == 0 {
				j.UploadToken = "shared"
			}
			key := fmt.Sprint("k", i)
			errs[i] = db.CreateJob(ctx, store.CreateJobParams{Job: j, Idempotency: &store.IdempotencyRecord{
				TenantID: tn.ID, Livemode: true, Key: key, RequestHash: "h", StatusCode: 201, Body: []byte("{}"), CreatedAt: now}})
		}()
	}
	wg.Wait()
	stored := map[string]bool{}
	jobs, err := db.ListJobs(ctx, store.ListJobsParams{TenantID: tn.ID, Livemode: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		stored[j.ID] = true
	}
	conflicts := 0
	for i, err := range errs {
		switch {
		case err == nil && !stored[ids[i]]:
			t.Errorf("request %d succeeded but its job is missing", i)
		case errors.Is(err, store.ErrConflict):
			conflicts++
			if stored[ids[i]] {
				t.Errorf("request %d failed but its job was stored", i)
			}
			_, err := db.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Livemode: true, Key: fmt.Sprint("k", i)})
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("request %d failed but its idempotency record was kept (%v)", i, err)
			}
		case err != nil:
			t.Errorf("request %d: %v", i, err)
		}
	}
	if want := (n+2)/3 - 1; conflicts != want {
		t.Errorf("conflicts = %d, want %d", conflicts, want)
	}
	if len(jobs) != n-conflicts {
		t.Errorf("stored %d jobs, want %d", len(jobs), n-conflicts)
	}
}
