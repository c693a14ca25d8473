package manage

import (
	"net/http"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// BenchmarkDashboard measures the dashboard's server time per request on
// SQLite with 100,000 jobs (storetest.GenerateJobs, 80,000 of them the
// operator's), in one run:
//   - page: GET /manage/ signed in, the whole page with its charts;
//   - figures: the store reads of the dashboard before the charts (the
//     tiles and the jobs by status), for comparison;
//   - charts: the four chart reads alone.
//
// The aim is under 100 ms for the page.
func BenchmarkDashboard(b *testing.B) {
	e := setup(b)
	storetest.GenerateJobs(b, e.st.Writer(), false, e.acme.ID, e.globex.ID)
	e.clock.mu.Lock()
	e.clock.t = storetest.GeneratedNow
	e.clock.mu.Unlock()
	br := e.signIn("admin@acme.test")
	// The generated rows are in the WAL until a checkpoint: put them in
	// the database, as they would be in one that has served for a while,
	// and read the page once to warm the page cache.
	if _, err := e.st.Writer().ExecContext(b.Context(), `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	br.get("/manage/")
	ctx, tenant := b.Context(), e.acme.ID
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			res, body := br.get("/manage/")
			if res.StatusCode != http.StatusOK {
				b.Fatalf("dashboard: %d\n%s", res.StatusCode, body)
			}
		}
	})
	b.Run("figures", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.st.JobCounts(ctx, tenant, true); err != nil {
				b.Fatal(err)
			}
			if _, err := e.st.DeliveryCounts(ctx, store.DeliveryCountsParams{TenantID: tenant, Livemode: true,
				Since: storetest.GeneratedNow.Add(-24 * time.Hour)}); err != nil {
				b.Fatal(err)
			}
			limit := store.FailedJobsParams{TenantID: tenant, Livemode: true, Limit: dashboardCap + 1}
			if _, err := e.st.ListFetchFailures(ctx, limit); err != nil {
				b.Fatal(err)
			}
			if _, err := e.st.ListProofFailures(ctx, limit); err != nil {
				b.Fatal(err)
			}
		}
	})
	m := &Manage{st: e.st, d: Deps{Now: e.clock.now}}
	b.Run("charts", func(b *testing.B) {
		for b.Loop() {
			if _, err := m.charts(ctx, tenant, true); err != nil {
				b.Fatal(err)
			}
		}
	})
}
