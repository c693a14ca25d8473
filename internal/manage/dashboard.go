package manage

import (
	"net/http"
	"strconv"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// statusCount is one row of the dashboard's jobs table.
type statusCount struct {
	Status job.Status
	Count  int
}

// dashboardCap is how many artwork fetch failures the dashboard counts
// exactly; the exceptions page lists them.
const dashboardCap = 100

func (m *Manage) dashboard(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	counts, err := m.ops.JobCounts(ctx, tenant, c.live)
	if err != nil {
		return err
	}
	rows, total := make([]statusCount, 0, len(job.Statuses)), 0
	for _, s := range job.Statuses {
		rows = append(rows, statusCount{Status: s, Count: counts[s]})
		total += counts[s]
	}
	dc, err := m.ops.DeliveryCounts(ctx, tenant, c.live, m.now().Add(-24*time.Hour))
	if err != nil {
		return err
	}
	// The tile needs a number, not the rows: past dashboardCap it says so
	// rather than loading them all.
	fetch, err := m.ops.FetchFailures(ctx, store.FetchFailuresParams{TenantID: tenant, Livemode: c.live, Limit: dashboardCap + 1})
	if err != nil {
		return err
	}
	failures := strconv.Itoa(len(fetch))
	if len(fetch) > dashboardCap {
		failures = "more than " + strconv.Itoa(dashboardCap)
	} else if len(fetch) == 0 {
		failures = ""
	}
	return m.render(w, r, c, http.StatusOK, "dashboard", map[string]any{
		"Title": "Dashboard", "Jobs": rows, "Total": total, "Deliveries": dc, "FetchFailures": failures,
	})
}
