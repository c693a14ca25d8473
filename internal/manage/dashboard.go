package manage

import (
	"net/http"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// statusCount is one row of the dashboard's jobs table.
type statusCount struct {
	Status job.Status
	Count  int
}

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
	fetch, err := m.ops.FetchFailures(ctx, store.FetchFailuresParams{TenantID: tenant, Livemode: c.live, Limit: 100})
	if err != nil {
		return err
	}
	return m.render(w, r, c, http.StatusOK, "dashboard", map[string]any{
		"Title": "Dashboard", "Jobs": rows, "Total": total, "Deliveries": dc, "FetchFailures": len(fetch),
	})
}
