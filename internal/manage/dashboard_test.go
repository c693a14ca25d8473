package manage

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// TestDashboardCharts: the dashboard draws its four charts as SVG images
// with a title and a description, each with a table of its figures, and a
// finding code reaches the page escaped.
func TestDashboardCharts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := t.Context()
	b := e.signIn("admin@acme.test")
	// One job approved after a preflight with a finding whose code is
	// markup, and one callback that failed.
	j := e.newJob(e.acme.ID, "CHART-1", "")
	pdf := "%PDF-1.7\n%%EOF\n"
	v, err := e.flow.Upload(ctx, workflow.UploadParams{TenantID: e.acme.ID, JobID: j.ID, Filename: "a.pdf",
		Body: strings.NewReader(pdf), Size: int64(len(pdf))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []workflow.Change{
		{To: job.Preflighting},
		{To: job.PreflightPassed, Errors: []job.Finding{{Code: `BAD<script>&"`, Check: "x", Severity: "warning", Message: "m"}}},
		{To: job.ProofGenerated},
		{To: job.Approved},
	} {
		c.TenantID, c.JobID, c.ArtworkVersionID = e.acme.ID, j.ID, v.ID
		if _, err := e.flow.Transition(ctx, c); err != nil {
			t.Fatalf("move to %s: %v", c.To, err)
		}
	}
	e.failedDelivery(e.acme.ID, "CHART-2", "http://127.0.0.1:9/hook")

	e.clock.advance(chartsFresh) // the sign-in's dashboard drew the charts before the jobs
	res, body := b.get("/manage/")
	wantStatus(t, "dashboard", res, body, http.StatusOK)
	for _, id := range []string{"jobs-chart", "callbacks-chart", "findings-chart", "approval-chart"} {
		want := `<svg id="` + id + `" viewBox=`
		i := strings.Index(body, want)
		if i < 0 {
			t.Errorf("no SVG %s on the dashboard", id)
			continue
		}
		svg := body[i : i+strings.Index(body[i:], "</svg>")]
		for _, part := range []string{`role="img"`, `aria-labelledby="` + id + `-title ` + id + `-desc"`,
			`<title id="` + id + `-title">`, `<desc id="` + id + `-desc">`} {
			if !strings.Contains(svg, part) {
				t.Errorf("SVG %s lacks %s", id, part)
			}
		}
	}
	for _, want := range []string{
		"<caption>Jobs created and ended per day, last 30 days</caption>",
		"<caption>Callback attempts per hour, last 48 hours</caption>",
		"<caption>Most frequent findings, last 30 days</caption>",
		"<caption>Time from upload to approval, over 1 approvals</caption>",
		// The finding, escaped in the table and in the chart.
		`<th scope="row"><code>BAD&lt;script&gt;&amp;&#34;</code></th><td class="num">1</td><td class="num">1</td>`,
		`>BAD&lt;script&gt;&amp;&#34;</text>`,
		// Two jobs created today, one approved; one attempt failed.
		"Last 30 days: 2 jobs created; ended: 1 approved",
		"Last 48 hours: 0 attempts delivered, 1 failed",
		"Over 1 approvals: median ",
		// The figures operators had before the charts stay.
		"callbacks failed for good in the last 24 h", "Jobs by status",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "BAD<script>") {
		t.Error("a finding code reached the dashboard unescaped")
	}

	// Another tenant sees none of it: empty charts say so in words.
	_, body = e.signIn("admin@globex.test").get("/manage/")
	for _, want := range []string{`<svg id="jobs-chart"`, "Last 30 days: 0 jobs created", `<svg id="callbacks-chart"`,
		`<p class="empty">No findings in the last 30 days.</p>`, `<p class="empty">No approvals in the last 30 days.</p>`} {
		if !strings.Contains(body, want) {
			t.Errorf("globex's dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "BAD&lt;script") {
		t.Error("globex's dashboard shows acme's finding")
	}
}

// TestDashboardChartsKeptForAWhile: an account's charts are drawn again
// only once chartsFresh has passed, while the tiles are read on every
// view, and each account and mode has its own.
func TestDashboardChartsKeptForAWhile(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := e.signIn("admin@acme.test")
	e.clock.advance(chartsFresh)
	_, before := b.get("/manage/")
	if !strings.Contains(before, "Last 30 days: 0 jobs created") {
		t.Fatalf("a new account's chart:\n%s", before)
	}
	e.newJob(e.acme.ID, "KEPT-1", "")
	e.newJob(e.globex.ID, "OTHER-1", "")
	e.clock.advance(chartsFresh - time.Second)
	res, body := b.get("/manage/")
	wantStatus(t, "dashboard", res, body, http.StatusOK)
	if !strings.Contains(body, "Last 30 days: 0 jobs created") || !strings.Contains(body, `<span class="num">1</span><span>jobs</span>`) {
		t.Errorf("within %s: want the kept chart and a live tile of 1 job\n%s", chartsFresh, body)
	}
	if _, body := e.signIn("admin@globex.test").get("/manage/"); !strings.Contains(body, "Last 30 days: 1 jobs created") {
		t.Errorf("another account was shown kept charts\n%s", body)
	}
	e.clock.advance(time.Second)
	if _, body := b.get("/manage/"); !strings.Contains(body, "Last 30 days: 1 jobs created") {
		t.Errorf("after %s: the chart was not drawn again\n%s", chartsFresh, body)
	}
}
