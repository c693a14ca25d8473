package web

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// testBanner is the test job's banner with its words.
var testBanner = regexp.MustCompile(`(?s)<div class="test-banner"[^>]*>.*?Test job: nothing will be printed\..*?</div>`)

// TestTestJobMarker: the page of a test job says it is one, in words, on
// every page of the job (a cancelled one's too); a live job's does not.
func TestTestJobMarker(t *testing.T) {
	t.Parallel()
	e := setup(t)
	test := e.newJob(t, workflow.NewJobParams{ExternalID: "TEST-1"})
	live := e.newJob(t, workflow.NewJobParams{ExternalID: "LIVE-1", Livemode: true})
	c := e.browser(t)

	if status, body := get(t, c, e.url(test, "")); status != 200 || !testBanner.MatchString(body) {
		t.Errorf("the test job's page (%d) has no test banner:\n%s", status, body)
	}
	if status, body := get(t, c, e.url(live, "")); status != 200 || strings.Contains(body, "test-banner") || strings.Contains(body, "Test job") {
		t.Errorf("the live job's page (%d) is marked as a test:\n%s", status, body)
	}
	if _, err := e.flow.Cancel(t.Context(), test.TenantID, test.ID, job.Actor{Kind: job.ActorOperator}); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, c, e.url(test, "")); status != 410 || !testBanner.MatchString(body) {
		t.Errorf("the cancelled test job's page (%d) has no test banner:\n%s", status, body)
	}
}

// TestBrowserTestJobBanner: in Chromium, the banner is shown above the
// page's content, and is told apart by a pattern and a framed label, not
// by its colour alone.
func TestBrowserTestJobBanner(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{ExternalID: "PO-TEST-10001"})
	ctx := browsertest.New(t)
	const limit = time.Minute
	browsertest.Do(t, ctx, limit, "open the test job's page",
		chromedp.Navigate(e.url(j, "")), browsertest.Started(`#test-banner`))
	text := browsertest.Get(t, ctx, limit, "read the banner", chromedp.Text(chromedp.CSS("#test-banner")))
	if !strings.Contains(text, "Test job: nothing will be printed.") {
		t.Errorf("banner text = %q", text)
	}
	pattern := browsertest.Get(t, ctx, limit, "read the banner's background",
		chromedp.Evaluate[string](`getComputedStyle(document.getElementById("test-banner")).backgroundImage`))
	if !strings.Contains(pattern, "repeating-linear-gradient") {
		t.Errorf("the banner's background is %q, want its stripes", pattern)
	}
	above := browsertest.Get(t, ctx, limit, "compare the banner's and the content's places",
		chromedp.Evaluate[bool](`document.getElementById("test-banner").getBoundingClientRect().bottom <= document.getElementById("main").getBoundingClientRect().top`))
	if !above {
		t.Error("the banner is not above the page's content")
	}
	browsertest.Screenshots(t, ctx, limit, filepath.Join("..", "..", "docs", "screenshots"), "customer-test-job")
}
