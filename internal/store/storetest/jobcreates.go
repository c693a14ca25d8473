package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// testConcurrentCreates makes many jobs at once, as concurrent POST
// /api/jobs do, where the stores share the work (SQLite's group commit,
// PostgreSQL's batched inserts): pairs that share an idempotency key make
// one job and one ErrConflict; of two jobs with one upload token the
// second fails alone; a job of a tenant that does not exist fails alone,
// and not as a conflict; every other job is made, with its idempotency
// record.
func testConcurrentCreates(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	now := at(0)
	type create struct {
		p    store.CreateJobParams
		kind string // "ok", "pair" (one of two with one key), "token", "tenant"
	}
	var creates []create
	record := func(key string) *store.IdempotencyRecord {
		return &store.IdempotencyRecord{TenantID: tn.ID, Livemode: true, Key: key, RequestHash: "h-" + key,
			StatusCode: 201, Body: []byte(`{"id":"x"}`), CreatedAt: now}
	}
	for i := range 40 {
		j := jobAt(tn.ID, true, now.Add(time.Duration(i)*time.Millisecond))
		p := store.CreateJobParams{Job: j}
		if i%2 == 0 {
			p.Idempotency = record(fmt.Sprintf("key-%d", i))
		}
		creates = append(creates, create{p, "ok"})
	}
	for i := range 8 {
		for k := range 2 {
			j := jobAt(tn.ID, true, now.Add(time.Second+time.Duration(2*i+k)*time.Millisecond))
			creates = append(creates, create{store.CreateJobParams{Job: j, Idempotency: record(fmt.Sprintf("pair-%d", i))}, "pair"})
		}
	}
	dup := jobAt(tn.ID, true, now.Add(2*time.Second))
	dup.UploadToken = creates[0].p.Job.UploadToken
	creates = append(creates, create{store.CreateJobParams{Job: dup}, "token"})
	orphan := jobAt("tn_does_not_exist", true, now.Add(3*time.Second))
	creates = append(creates, create{store.CreateJobParams{Job: orphan}, "tenant"})

	// Rounds: the first has only creates that a shared statement takes
	// (a taken key skips its job), the second a reused token and a missing
	// tenant, which fail a shared statement and so make every create of it
	// go alone, beside creates that must still be made or conflict.
	errs := make([]error, len(creates))
	round := func(from, to int) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := from; i < to; i++ {
			wg.Go(func() {
				<-start
				errs[i] = s.CreateJob(ctx, creates[i].p)
			})
		}
		close(start)
		wg.Wait()
	}
	round(1, len(creates)-7)
	round(len(creates)-7, len(creates)) // five of the pairs' creates beside the two
	round(0, 1)                         // the token's first holder, after the job that reused it

	pairs := map[string][]error{}
	tokenWinner := 0
	for i, c := range creates {
		err := errs[i]
		_, readErr := s.Job(ctx, c.p.Job.TenantID, c.p.Job.ID)
		if (err == nil) != (readErr == nil) {
			t.Errorf("%s create %d: error %v, but reading the job: %v", c.kind, i, err, readErr)
		}
		switch c.kind {
		case "ok":
			if err != nil && !(i == 0 && errors.Is(err, store.ErrConflict)) {
				t.Errorf("create %d: %v", i, err)
			}
			if i == 0 && err == nil {
				tokenWinner++
			}
			if err == nil && c.p.Idempotency != nil {
				if _, err := s.IdempotencyRecord(ctx, store.IdempotencyLookup{TenantID: tn.ID, Livemode: true, Key: c.p.Idempotency.Key}); err != nil {
					t.Errorf("create %d: its idempotency record: %v", i, err)
				}
			}
		case "pair":
			pairs[c.p.Idempotency.Key] = append(pairs[c.p.Idempotency.Key], err)
		case "token":
			if err == nil {
				tokenWinner++
			} else if !errors.Is(err, store.ErrConflict) {
				t.Errorf("the job reusing an upload token: %v, want ErrConflict", err)
			}
		case "tenant":
			if err == nil || errors.Is(err, store.ErrConflict) {
				t.Errorf("the job of a tenant that does not exist: %v, want an error that is not a conflict", err)
			}
		}
	}
	if tokenWinner != 1 {
		t.Errorf("%d jobs with one upload token were made, want 1", tokenWinner)
	}
	for key, es := range pairs {
		made, conflicts := 0, 0
		for _, err := range es {
			switch {
			case err == nil:
				made++
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				t.Errorf("%s: %v", key, err)
			}
		}
		if made != 1 || conflicts != 1 {
			t.Errorf("%s: %d made and %d conflicts, want 1 and 1", key, made, conflicts)
		}
	}
}
