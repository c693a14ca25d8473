package postgres

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/pgtest"
)

// openURL opens the store at url and closes it when the test ends.
func openURL(t *testing.T, url string) *DB {
	t.Helper()
	db, err := Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// TestMigrateConcurrently starts two processes' worth of migrations at once
// on an empty schema: the advisory lock lets one apply them and the other
// find them applied.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	dbs := []*DB{openURL(t, url), openURL(t, url)}
	results := make([][]string, len(dbs))
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() {
			var err error
			if results[i], err = db.Migrate(t.Context()); err != nil {
				t.Errorf("migrate %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	all := slices.Concat(results...)
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, strings.TrimSuffix(e.Name(), ".sql"))
	}
	if len(want) < 5 || !slices.Equal(all, want) {
		t.Fatalf("migrations applied %v, want each migration once", results)
	}
	if again, err := dbs[0].Migrate(t.Context()); err != nil || len(again) != 0 {
		t.Fatalf("Migrate when up to date applied %v, %v", again, err)
	}
}

// TestConcurrentClaimers has two stores, as two processes would, claim the
// same deliveries at once: every delivery is claimed exactly once.
func TestConcurrentClaimers(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	a, b := openURL(t, url), openURL(t, url)
	ctx := t.Context()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 11, 10, 0, 0, 0, time.UTC)
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: now}
	if err := a.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		if err := a.CreateDelivery(ctx, store.Delivery{ID: id.New(id.Delivery), TenantID: tn.ID,
			URL: "https://erp.example.com/hooks", State: store.DeliveryPending, AttemptsLeft: 1,
			NextAttemptAt: now.Add(-time.Duration(i) * time.Millisecond), CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimedBy := map[string]string{}
	var wg sync.WaitGroup
	for w := range 6 {
		db := []*DB{a, b}[w%2]
		worker := []string{"w0", "w1", "w2", "w3", "w4", "w5"}[w]
		wg.Go(func() {
			for {
				cs, err := db.ClaimDeliveries(ctx, store.ClaimParams{Now: now, Lease: time.Hour, Limit: 7, Worker: worker})
				if err != nil {
					t.Errorf("%s: %v", worker, err)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					if prev, ok := claimedBy[c.Delivery.ID]; ok {
						t.Errorf("%s claimed %s, which %s holds", worker, c.Delivery.ID, prev)
					}
					claimedBy[c.Delivery.ID] = worker
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimedBy) != n {
		t.Fatalf("%d deliveries claimed, want %d", len(claimedBy), n)
	}
	workers := map[string]bool{}
	for _, w := range claimedBy {
		workers[w] = true
	}
	t.Logf("claims spread over %d workers", len(workers))
}
