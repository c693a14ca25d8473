package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/pgtest"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/workflow"
)

// BenchmarkCustomerPage serves GET /u/{token} of a job waiting for its
// file, whose rate limit counts the request in the store ("counted": an
// UPSERT on PostgreSQL, the serving process's memory on SQLite),
// beside the same page whose limiter counts nothing ("uncounted"), so that
// the two compare within one run on a busy machine. Limits are high enough
// that nothing is refused.
//
//	go test -run '^$' -bench CustomerPage -count 5 ./internal/web/
func BenchmarkCustomerPage(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(b *testing.B) store.Store
	}{{"sqlite", benchSQLite}, {"postgres", benchPostgres}} {
		b.Run(db.name, func(b *testing.B) {
			st := db.open(b)
			b.Run("counted", func(b *testing.B) { benchPage(b, st, st) })
			b.Run("uncounted", func(b *testing.B) { benchPage(b, st, uncounted{st}) })
		})
	}
}

// uncounted is a store whose rate limit counts nothing: the baseline.
type uncounted struct{ store.Store }

func (uncounted) HitRateLimit(_ context.Context, p store.HitRateLimitParams) (store.RateCount, error) {
	return store.RateCount{Window: p.Window, Hits: 1}, nil
}

// benchPage serves the page from pages, on the data of st, one request at
// a time and then from every processor at once.
func benchPage(b *testing.B, st store.Store, pages webStore) {
	flow := &workflow.Service{Store: st, Now: time.Now}
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "printer-" + id.Token(8), CreatedAt: time.Now().UTC()}
	if err := st.CreateTenant(context.Background(), tn); err != nil {
		b.Fatal(err)
	}
	j := flow.NewJob(workflow.NewJobParams{TenantID: tn.ID, ExternalID: "ORDER-1"})
	if err := flow.CreateJob(context.Background(), j, nil); err != nil {
		b.Fatal(err)
	}
	w := New(Deps{Store: pages, Workflow: flow, DataDir: b.TempDir(), PublicURL: "http://127.0.0.1",
		RequestsPerSecond: 1e9, Burst: 1e9})
	defer w.Close()
	mux := http.NewServeMux()
	w.Register(mux)
	serve := func() {
		req := httptest.NewRequest("GET", "/u/"+j.UploadToken, nil)
		req.RemoteAddr = "203.0.113.7:4321"
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("page: %d", rec.Code)
		}
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			serve()
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serve()
			}
		})
	})
}

func benchSQLite(b *testing.B) store.Store {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "submit.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}

func benchPostgres(b *testing.B) store.Store {
	need.Postgres(b)
	st, err := postgres.Open(context.Background(), pgtest.URL(b), postgres.Pool{IdleConns: 5})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}
