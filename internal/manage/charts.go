package manage

import (
	"context"
	"fmt"
	"html/template"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// The dashboard's charts are SVG drawn on the server: no script, nothing to
// build, readable as they arrive. Each is an image with a title and a
// description that sums it up, and a table beside it with every figure, so
// that no one has to read the picture.

// Chart sizes, in the SVG's own units; CSS scales them to the card.
const (
	chartW, chartH = 640, 200
	halfW          = 480     // the charts that share a row
	plotL, plotR   = 44, 600 // left and right edges of the plot, room for axis labels
	plotT, plotB   = 10, 176
)

// Windows of the charts.
const (
	chartDays     = 30
	chartHours    = 48
	chartFindings = 10
)

// outcomes are the ways a round ends that the jobs chart stacks, bottom
// first, with the CSS class that colours them.
var outcomes = []struct {
	status job.Status
	class  string
}{
	{job.Approved, "c-approved"}, {job.Rejected, "c-rejected"}, {job.Cancelled, "c-cancelled"}, {job.Expired, "c-expired"},
}

// chart is one SVG chart: bars, an optional line over them, and the labels
// of its axes.
type chart struct {
	ID, Title, Desc string
	W, H            int
	Bars            []bar
	Line            string // polyline points, "" for none
	LineClass       string
	YMax, YMaxRight string // labels at the top of the left and right axes
	XFirst, XLast   string // labels under the first and last bar
	PlotL, PlotR    int
	PlotT, PlotB    int
	Legend          []legend
	Texts           []text // row labels of horizontal charts
	// Figure is the chart drawn, by drawn, for the template.
	Figure template.HTML
}

// drawn returns the chart with its figure written.
func (c chart) drawn() chart {
	c.Figure = c.figure()
	return c
}

// text is a label drawn in a chart, ending at X.
type text struct {
	X, Y   float64
	Anchor string // "end" for a label left of its bar, "start" after it
	Text   string
}

// bar is one rectangle, with the words a pointer shows on it.
type bar struct {
	X, Y, W, H float64
	Class      string
	Label      string
}

// legend names a colour of a chart.
type legend struct{ Class, Label string }

// jobDayRow is one row of the jobs chart's table.
type jobDayRow struct {
	Day      string
	Created  int
	Outcomes []int // in the order of outcomes
}

// hourRow is one row of the callbacks chart's table.
type hourRow struct {
	Hour              string
	Delivered, Failed int
	P95               string
}

// chartsFresh is how long an account's charts are shown again before
// they are read and drawn anew. Their four reads and drawing were most of
// the dashboard's time on a small account (twice the page before the
// charts); they count days and hours, so half a minute changes little in
// them. The tiles and jobs by status are read on every view.
const chartsFresh = 30 * time.Second

// chartCache holds the charts of the accounts viewed lately, in this
// process, at most chartAccounts of them.
type chartCache struct {
	mu sync.Mutex
	m  map[chartKey]drawn
}

const chartAccounts = 1000

type chartKey struct {
	tenant string
	live   bool
}

type drawn struct {
	at   time.Time
	data map[string]any
}

// recentCharts returns the account's charts as charts lays them out, read
// anew when older than chartsFresh. The map is the caller's to add to.
func (m *Manage) recentCharts(ctx context.Context, tenant string, live bool) (map[string]any, error) {
	k, now := chartKey{tenant, live}, m.now()
	m.recent.mu.Lock()
	d, ok := m.recent.m[k]
	m.recent.mu.Unlock()
	if ok && !now.Before(d.at) && now.Sub(d.at) < chartsFresh {
		return maps.Clone(d.data), nil
	}
	data, err := m.charts(ctx, tenant, live)
	if err != nil {
		return nil, err
	}
	m.recent.mu.Lock()
	if m.recent.m == nil || len(m.recent.m) >= chartAccounts {
		m.recent.m = map[chartKey]drawn{} // start again rather than evict
	}
	m.recent.m[k] = drawn{at: now, data: data}
	m.recent.mu.Unlock()
	return maps.Clone(data), nil
}

// charts reads the four charts' figures and lays them out.
func (m *Manage) charts(ctx context.Context, tenant string, live bool) (map[string]any, error) {
	now := m.now().UTC()
	today := now.Truncate(24 * time.Hour)
	days := store.DashboardParams{TenantID: tenant, Livemode: live, Since: today.AddDate(0, 0, -(chartDays - 1))}
	jd, err := m.st.JobDays(ctx, days)
	if err != nil {
		return nil, err
	}
	hour := now.Truncate(time.Hour)
	ah, err := m.st.AttemptHours(ctx, store.DashboardParams{TenantID: tenant, Livemode: live, Since: hour.Add(-(chartHours - 1) * time.Hour)})
	if err != nil {
		return nil, err
	}
	fs, err := m.st.TopFindings(ctx, store.DashboardParams{TenantID: tenant, Livemode: live, Since: days.Since, Limit: chartFindings})
	if err != nil {
		return nil, err
	}
	at, err := m.st.ApprovalTimes(ctx, days)
	if err != nil {
		return nil, err
	}
	jobChart, jobRows := jobsChart(jd, days.Since)
	hourChart, hourRows := hoursChart(ah, hour.Add(-(chartHours-1)*time.Hour))
	return map[string]any{
		"JobChart": jobChart.drawn(), "JobRows": jobRowsHTML(jobRows), "Outcomes": outcomeHeads(),
		"HourChart": hourChart.drawn(), "HourRows": hourRowsHTML(hourRows),
		"FindingChart": findingsChart(fs).drawn(), "Findings": fs,
		"Approval": at, "ApprovalChart": approvalChart(at).drawn(),
		"ApprovalMedian": duration(at.Median), "ApprovalP90": duration(at.P90),
	}, nil
}

// jobsChart stacks each day's ended rounds by outcome and draws the jobs
// created as a line over them, on one scale.
func jobsChart(days []store.JobDay, from time.Time) (chart, []jobDayRow) {
	byDay := map[time.Time]store.JobDay{}
	for _, d := range days {
		byDay[d.Day] = d
	}
	rows, top := make([]jobDayRow, chartDays), 1
	totals := make([]int, len(outcomes))
	created := 0
	for i := range rows {
		t := from.AddDate(0, 0, i)
		d := byDay[t]
		r := jobDayRow{Day: t.Format("2006-01-02"), Created: d.Created, Outcomes: make([]int, len(outcomes))}
		sum := 0
		for k, o := range outcomes {
			r.Outcomes[k] = d.Outcomes[o.status]
			sum += r.Outcomes[k]
			totals[k] += r.Outcomes[k]
		}
		created += d.Created
		top = max(top, sum, d.Created)
		rows[i] = r
	}
	c := newChart("jobs-chart", "Jobs created and ended per day",
		fmt.Sprintf("Last %d days: %d jobs created; ended: %s.", chartDays, created, outcomeWords(totals)))
	slot := float64(plotR-plotL) / chartDays
	y := scale(top)
	var line []string
	for i, r := range rows {
		x, base := float64(plotL)+float64(i)*slot, float64(plotB)
		for k, o := range outcomes {
			if n := r.Outcomes[k]; n > 0 {
				h := y(0) - y(n)
				base -= h
				c.Bars = append(c.Bars, bar{X: x + 1, Y: base, W: slot - 2, H: h, Class: o.class,
					Label: fmt.Sprintf("%s: %d %s", r.Day, n, statusLabel(o.status))})
			}
		}
		line = append(line, point(x+slot/2, y(r.Created)))
	}
	c.Line, c.LineClass = strings.Join(line, " "), "c-created"
	c.YMax, c.XFirst, c.XLast = strconv.Itoa(top), rows[0].Day, rows[len(rows)-1].Day
	c.Legend = []legend{{"c-created", "created (line)"}}
	for _, o := range outcomes {
		c.Legend = append(c.Legend, legend{o.class, statusLabel(o.status)})
	}
	return c, rows
}

// outcomeHeads are the outcomes' cells of the jobs table's head.
func outcomeHeads() template.HTML {
	var m markup
	for _, o := range outcomes {
		m.raw(`<th scope="col" class="num">`)
		m.text(statusLabel(o.status))
		m.raw(`</th>`)
	}
	return m.html()
}

// outcomeWords says the totals of the outcomes in words.
func outcomeWords(totals []int) string {
	parts := make([]string, len(outcomes))
	for k, o := range outcomes {
		parts[k] = fmt.Sprintf("%d %s", totals[k], statusLabel(o.status))
	}
	return strings.Join(parts, ", ")
}

// hoursChart stacks each hour's delivered and failed attempts and draws
// the p95 duration as a line on a scale of its own (the right axis).
func hoursChart(hours []store.AttemptHour, from time.Time) (chart, []hourRow) {
	byHour := map[time.Time]store.AttemptHour{}
	for _, h := range hours {
		byHour[h.Hour] = h
	}
	rows, top, slowest := make([]hourRow, chartHours), 1, time.Millisecond
	delivered, failed := 0, 0
	all := make([]store.AttemptHour, chartHours)
	for i := range rows {
		t := from.Add(time.Duration(i) * time.Hour)
		h := byHour[t]
		all[i] = h
		rows[i] = hourRow{Hour: t.Format("2006-01-02 15:00"), Delivered: h.Delivered, Failed: h.Failed, P95: "–"}
		if h.Delivered+h.Failed > 0 {
			rows[i].P95 = ms(h.P95)
		}
		delivered, failed = delivered+h.Delivered, failed+h.Failed
		top, slowest = max(top, h.Delivered+h.Failed), max(slowest, h.P95)
	}
	c := newChart("callbacks-chart", "Callback attempts per hour",
		fmt.Sprintf("Last %d hours: %d attempts delivered, %d failed; slowest hourly p95 %s.", chartHours, delivered, failed, ms(slowest)))
	slot := float64(plotR-plotL) / chartHours
	y, yl := scale(top), scale(int(slowest/time.Millisecond))
	var line []string
	for i, h := range all {
		x, base := float64(plotL)+float64(i)*slot, float64(plotB)
		for _, part := range []struct {
			n            int
			class, words string
		}{{h.Delivered, "c-delivered", "delivered"}, {h.Failed, "c-failed", "failed"}} {
			if part.n > 0 {
				ht := y(0) - y(part.n)
				base -= ht
				c.Bars = append(c.Bars, bar{X: x + 0.5, Y: base, W: slot - 1, H: ht, Class: part.class,
					Label: fmt.Sprintf("%s: %d %s", rows[i].Hour, part.n, part.words)})
			}
		}
		if h.Delivered+h.Failed > 0 {
			line = append(line, point(x+slot/2, yl(int(h.P95/time.Millisecond))))
		}
	}
	c.Line, c.LineClass = strings.Join(line, " "), "c-p95"
	c.YMax, c.YMaxRight = strconv.Itoa(top), ms(slowest)
	c.XFirst, c.XLast = rows[0].Hour, rows[len(rows)-1].Hour
	c.Legend = []legend{{"c-delivered", "delivered (2xx)"}, {"c-failed", "failed"}, {"c-p95", "p95 duration (line, right axis)"}}
	return c, rows
}

// findingsChart draws a horizontal bar per finding code: its jobs, and
// over it the part of them approved since.
func findingsChart(fs []store.FindingCount) chart {
	c := newChart("findings-chart", "Most frequent findings", "No findings in the last 30 days.")
	if len(fs) == 0 {
		c.W, c.H = halfW, 40
		return c
	}
	c.Desc = fmt.Sprintf("The %d finding codes found in most jobs in the last %d days; most frequent: %s in %d jobs, %d of them approved.",
		len(fs), chartDays, fs[0].Code, fs[0].Jobs, fs[0].Approved)
	const row, labelW = 24, 190
	c.W, c.H = halfW, len(fs)*row+8
	top := fs[0].Jobs
	w := func(n int) float64 { return float64(halfW-labelW-150) * float64(n) / float64(top) }
	for i, f := range fs {
		y := float64(i*row + 4)
		c.Bars = append(c.Bars,
			bar{X: labelW, Y: y, W: w(f.Jobs), H: row - 6, Class: "c-jobs", Label: fmt.Sprintf("%s: %d jobs", f.Code, f.Jobs)},
			bar{X: labelW, Y: y, W: w(f.Approved), H: row - 6, Class: "c-approved", Label: fmt.Sprintf("%s: %d approved", f.Code, f.Approved)})
		c.Texts = append(c.Texts, text{X: labelW - 8, Y: y + 13, Anchor: "end", Text: f.Code},
			text{X: labelW + w(f.Jobs) + 6, Y: y + 13, Anchor: "start", Text: fmt.Sprintf("%d of %d approved", f.Approved, f.Jobs)})
	}
	c.Legend = []legend{{"c-jobs", "jobs with the finding"}, {"c-approved", "of them approved"}}
	return c
}

// approvalChart draws the median and the 90th percentile of the time from
// upload to approval as two bars on one scale.
func approvalChart(a store.ApprovalTimes) chart {
	c := newChart("approval-chart", "Time from upload to approval", "No approvals in the last 30 days.")
	c.W, c.H = halfW, 64
	if a.Count == 0 {
		c.H = 40
		return c
	}
	c.Desc = fmt.Sprintf("Over %d approvals: median %s, 90th percentile %s.", a.Count, duration(a.Median), duration(a.P90))
	const labelW = 130
	w := func(d time.Duration) float64 {
		return max(2, float64(halfW-labelW-80)*float64(d)/float64(max(a.P90, time.Second)))
	}
	c.Bars = []bar{
		{X: labelW, Y: 4, W: w(a.Median), H: 24, Class: "c-median", Label: "median " + duration(a.Median)},
		{X: labelW, Y: 36, W: w(a.P90), H: 24, Class: "c-p90", Label: "90th percentile " + duration(a.P90)},
	}
	c.Texts = []text{
		{X: labelW - 8, Y: 20, Anchor: "end", Text: "median"},
		{X: labelW + w(a.Median) + 6, Y: 20, Anchor: "start", Text: duration(a.Median)},
		{X: labelW - 8, Y: 52, Anchor: "end", Text: "90th percentile"},
		{X: labelW + w(a.P90) + 6, Y: 52, Anchor: "start", Text: duration(a.P90)},
	}
	return c
}

func newChart(id, title, desc string) chart {
	return chart{ID: id, Title: title, Desc: desc, W: chartW, H: chartH, PlotL: plotL, PlotR: plotR, PlotT: plotT, PlotB: plotB}
}

// scale maps 0…top onto the plot's height, upwards.
func scale(top int) func(int) float64 {
	top = max(top, 1)
	return func(n int) float64 { return plotB - float64(plotB-plotT)*float64(n)/float64(top) }
}

func point(x, y float64) string {
	return strconv.FormatFloat(x, 'f', 1, 64) + "," + strconv.FormatFloat(y, 'f', 1, 64)
}

// ms writes a duration in whole milliseconds.
func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" }

// duration writes a time to approve in the largest units that matter.
func duration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1f days", d.Hours()/24)
	case d >= time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	case d >= time.Minute:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d s", int(d.Seconds()))
}
