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
// file, whose rate limit costs one UPSERT in the database: the figure to
// compare with the page as it was with a limit in memory. Limits are high
// enough that nothing is refused.
//
//	go test -run '^$' -bench CustomerPage -benchtime 3s ./internal/web/
func BenchmarkCustomerPage(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(b *testing.B) store.Store
	}{{"sqlite", benchSQLite}, {"postgres", benchPostgres}} {
		b.Run(db.name, func(b *testing.B) {
			st := db.open(b)
			flow := &workflow.Service{Store: st, Now: time.Now}
			tn := store.Tenant{ID: id.New(id.Tenant), Name: "printer", CreatedAt: time.Now().UTC()}
			if err := st.CreateTenant(context.Background(), tn); err != nil {
				b.Fatal(err)
			}
			j := flow.NewJob(workflow.NewJobParams{TenantID: tn.ID, ExternalID: "ORDER-1"})
			if err := flow.CreateJob(context.Background(), j, nil); err != nil {
				b.Fatal(err)
			}
			w := New(Deps{Store: st, Workflow: flow, DataDir: b.TempDir(), PublicURL: "http://127.0.0.1",
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
		})
	}
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
	st, err := postgres.Open(context.Background(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}
