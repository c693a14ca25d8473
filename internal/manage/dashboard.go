package manage

import (
	"html/template"
	"net/http"
	"net/url"
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

// dashboardCap is how many artwork fetch and proof failures the dashboard
// counts exactly; the exceptions page lists them.
const dashboardCap = 100

func (m *Manage) dashboard(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx, tenant := r.Context(), c.user.TenantID
	counts, err := m.st.JobCounts(ctx, tenant, c.live)
	if err != nil {
		return err
	}
	rows, total := make([]statusCount, 0, len(job.Statuses)), 0
	for _, s := range job.Statuses {
		rows = append(rows, statusCount{Status: s, Count: counts[s]})
		total += counts[s]
	}
	dc, err := m.st.DeliveryCounts(ctx, store.DeliveryCountsParams{TenantID: tenant, Livemode: c.live, Since: m.now().Add(-24 * time.Hour)})
	if err != nil {
		return err
	}
	// The tile needs numbers, not the rows: past dashboardCap it says so
	// rather than loading them all.
	limit := store.FailedJobsParams{TenantID: tenant, Livemode: c.live, Limit: dashboardCap + 1}
	fetch, err := m.st.ListFetchFailures(ctx, limit)
	if err != nil {
		return err
	}
	proof, err := m.st.ListProofFailures(ctx, limit)
	if err != nil {
		return err
	}
	data, err := m.recentCharts(ctx, tenant, c.live)
	if err != nil {
		return err
	}
	data["Title"], data["Jobs"], data["Total"], data["Deliveries"] = "Dashboard", statusRowsHTML(rows), total, dc
	data["FetchFailures"] = capped(len(fetch), "artwork fetch failure", "artwork fetch failures")
	data["ProofFailures"] = capped(len(proof), "proof that could not be made", "proofs that could not be made")
	return m.render(w, r, c, http.StatusOK, "dashboard", data)
}

// capped words a count of up to dashboardCap + 1 rows for a tile: empty
// for none, so that the template leaves it out.
func capped(n int, one, many string) string {
	switch {
	case n == 0:
		return ""
	case n == 1:
		return "1 " + one
	case n > dashboardCap:
		return "more than " + strconv.Itoa(dashboardCap) + " " + many
	}
	return strconv.Itoa(n) + " " + many
}

// statusRowsHTML is the body of the jobs by status table, written as the
// charts' tables are (svg.go): a row per status, linked to its jobs.
func statusRowsHTML(rows []statusCount) template.HTML {
	var m markup
	for _, r := range rows {
		m.raw(`<tr><td><a href="/manage/jobs?status=`)
		m.text(url.QueryEscape(string(r.Status)))
		m.raw(`"><span class="badge `)
		m.text(statusTone(r.Status))
		m.raw(`">`)
		m.text(statusLabel(r.Status))
		m.raw(`</span></a></td><td class="num">`)
		m.int(r.Count)
		m.raw(`</td></tr>`)
	}
	return m.html()
}
