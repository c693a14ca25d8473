package postgres

import (
	"database/sql"
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
	db, err := Open(t.Context(), url, Pool{IdleConns: 5})
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

// TestPoolKeepsConnections: the pool is sized as asked, and connections
// given back stay open up to IdleConns (by default all of them) instead
// of being closed, as database/sql's default of two idle would have it.
func TestPoolKeepsConnections(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	for _, tc := range []struct {
		name      string
		pool      Pool
		max, idle int
	}{
		{"idle defaults to max", Pool{MaxConns: 4}, 4, 4},
		{"fewer idle", Pool{MaxConns: 4, IdleConns: 1}, 4, 1},
		{"idle above max", Pool{MaxConns: 3, IdleConns: 9}, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openPool(t, url, tc.pool)
			ctx := t.Context()
			conns := make([]*sql.Conn, tc.max)
			for i := range conns {
				c, err := db.Writer().Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns[i] = c
			}
			for _, c := range conns {
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
			}
			st := db.Writer().Stats()
			if st.MaxOpenConnections != tc.max || st.OpenConnections != tc.idle || st.Idle != tc.idle {
				t.Errorf("max open %d, open %d, idle %d; want max %d and %d open and idle",
					st.MaxOpenConnections, st.OpenConnections, st.Idle, tc.max, tc.idle)
			}
		})
	}
}

// TestStatementsCachedPerConnection: a query run twice on one connection is
// prepared on it once and then reused, which is what keeping connections
// is for. A DSN may turn it off for poolers that cannot keep statements.
func TestStatementsCachedPerConnection(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	const q = `SELECT $1::int + 41`
	prepared := func(t *testing.T, url string) int {
		db := openPool(t, url, Pool{})
		ctx := t.Context()
		c, err := db.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for range 2 {
			var n int
			if err := c.QueryRowContext(ctx, q, 1).Scan(&n); err != nil || n != 42 {
				t.Fatalf("query: %d, %v", n, err)
			}
		}
		var count int
		if err := c.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, q).Scan(&count); err != nil {
			t.Fatal(err)
		}
		return count
	}
	if n := prepared(t, url); n != 1 {
		t.Errorf("the query is prepared %d times on its connection, want once", n)
	}
	if n := prepared(t, url+"&default_query_exec_mode=exec"); n != 0 {
		t.Errorf("with default_query_exec_mode=exec the query is prepared %d times, want none kept", n)
	}
}

// openPool opens the store at url with pool and closes it when the test
// ends.
func openPool(t *testing.T, url string, pool Pool) *DB {
	t.Helper()
	db, err := Open(t.Context(), url, pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
