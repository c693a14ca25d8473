package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
)

// newBrowser starts Chromium for one test; see browsertest.New.
func newBrowser(t *testing.T) context.Context { return browsertest.New(t) }

// browserTimeout bounds one group of steps: generous, because preflight
// and rendering share a busy machine, and no test asserts on timing.
const browserTimeout = 3 * time.Minute

// do runs browser steps; see browsertest.Do.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Do(t, ctx, browserTimeout, what, steps...)
}

// read runs one browser action that returns a value; see browsertest.Get.
func read[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	return browsertest.Get(t, ctx, browserTimeout, what, a)
}

// view waits until the page shows the given view of the job (the body's
// data-view), after however many reloads the live status causes.
func view(name string) chromedp.Action[chromedp.Void] {
	return browsertest.Started(`body[data-view="` + name + `"] main`)
}

// artwork writes the test PDFs where the browser can pick them.
func artwork(t *testing.T) (good, bad string) {
	dir := t.TempDir()
	good, bad = filepath.Join(dir, "leaflet-A5.pdf"), filepath.Join(dir, "leaflet-no-bleed.pdf")
	if err := os.WriteFile(good, leaflet(2, true), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, leaflet(1, false), 0o644); err != nil {
		t.Fatal(err)
	}
	return good, bad
}

// newOrder creates a job for an A5 leaflet of two pages with 3 mm bleed.
func newOrder(t *testing.T, s *server, rc *receiver, ref, logo string) (id, uploadURL string) {
	brand := map[string]string{"color": "#0F766E"}
	if logo != "" {
		brand["logo"] = logo
	}
	j := s.api(t, "POST", "/api/jobs", map[string]any{
		"externalId": ref,
		"metadata": []map[string]string{
			{"propertyId": "product", "propertyName": "Product", "value": "Leaflet A5, 2 pages"},
			{"propertyId": "paper", "propertyName": "Paper", "value": "170 g silk, matt laminated"},
			{"propertyId": "quantity", "propertyName": "Quantity", "value": "2,500"},
		},
		"brand":       brand,
		"callbackURL": rc.url,
		"preflight": map[string]any{
			"trimSize": map[string]any{"width": 148, "height": 210, "unit": "mm"}, "pageCount": 2,
			"bleed": map[string]any{"size": 3, "unit": "mm"},
		},
	})
	return j["id"].(string), j["uploadURL"].(string)
}

// TestBrowserApprove: a customer opens the link, uploads a good PDF,
// zooms the proof and approves it; the ERP hears every step.
func TestBrowserApprove(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)
	good, _ := artwork(t)
	jobID, link := newOrder(t, s, rc, "PO-2026-0418", "")

	do(t, ctx, "open the upload link", chromedp.Navigate(link), view("upload"))
	screenshot(t, ctx, "upload")
	do(t, ctx, "upload the PDF and wait for the proof",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{good}), view("proof"),
		browsertest.Started(`#page-2 img`))
	pages := read(t, ctx, "count proof pages", chromedp.Evaluate[int](`document.querySelectorAll(".sheet").length`))
	trims := read(t, ctx, "count trim lines", chromedp.Evaluate[int](`document.querySelectorAll(".guides .trim").length`))
	if pages != 2 || trims != 2 {
		t.Errorf("proof shows %d pages with %d trim lines, want 2 and 2", pages, trims)
	}
	do(t, ctx, "zoom in", chromedp.Click(chromedp.CSS(`[data-zoom="in"]`)))
	if z := read(t, ctx, "read the zoom", chromedp.Text(chromedp.CSS(".zoom-level"))); z != "125%" {
		t.Errorf("zoom after one click: %q", z)
	}
	do(t, ctx, "fit again", chromedp.Click(chromedp.CSS(`[data-zoom="fit"]`)))
	screenshot(t, ctx, "proof")

	do(t, ctx, "approve",
		chromedp.Click(chromedp.CSS(`.approve-form input[name=confirm]`)),
		chromedp.Click(chromedp.CSS(`.approve-form button[type=submit]`)),
		view("approved"))
	screenshot(t, ctx, "approved")

	if st := s.api(t, "GET", "/api/jobs/"+jobID, nil)["status"]; st != "approved" {
		t.Errorf("job status %v after approval", st)
	}
	checkCallbacks(t, rc.events(t, jobID, "approved"),
		"uploaded", "preflighting", "preflight_passed", "proof_generated", "approved")
}

// TestBrowserFixAndReject: a PDF without bleed and with one page too few
// fails preflight; Submit adds the bleed, but the page count is the
// customer's to fix. The customer reads why and what was fixed, uploads a
// corrected file, and asks for changes on its proof.
func TestBrowserFixAndReject(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)
	good, bad := artwork(t)
	// A logo that cannot be fetched (nothing listens on port 1) leaves no
	// broken image: the page title takes its place.
	jobID, link := newOrder(t, s, rc, "PO-2026-0419", "https://127.0.0.1:1/logo.png")

	do(t, ctx, "open the link with a broken logo", chromedp.Navigate(link), view("upload"),
		browsertest.Started(".top .site-title"))
	if n := read(t, ctx, "count logos", chromedp.Evaluate[int](`document.querySelectorAll("img.logo").length`)); n != 0 {
		t.Errorf("the page shows %d logo images for a logo that cannot be fetched", n)
	}
	do(t, ctx, "upload a PDF that fails",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{bad}), view("findings"))
	findings := read(t, ctx, "read the findings", chromedp.Text(chromedp.CSS(".findings")))
	for _, want := range []string{"Number of pages", "Must fix"} {
		if !strings.Contains(findings, want) {
			t.Errorf("findings lack %q:\n%s", want, findings)
		}
	}
	if strings.Contains(findings, "Bleed") {
		t.Errorf("findings name the bleed Submit added:\n%s", findings)
	}
	if fixed := read(t, ctx, "read what was fixed", chromedp.Text(chromedp.CSS(".fixes"))); !strings.Contains(fixed, "We added 3 mm of bleed") {
		t.Errorf("the page does not say the bleed was added:\n%s", fixed)
	}
	screenshot(t, ctx, "findings")

	do(t, ctx, "upload the corrected PDF",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{good}), view("proof"))
	const reason = "Please make the yellow circle smaller <and> move it left."
	do(t, ctx, "request changes",
		chromedp.Click(chromedp.CSS(".reject summary")),
		chromedp.SendKeys(chromedp.ID("reason"), reason),
		chromedp.Click(chromedp.CSS(".reject-form button[type=submit]")),
		view("rejected"))
	if got := read(t, ctx, "read the reason", chromedp.Text(chromedp.CSS(".reason"))); !strings.Contains(got, reason) {
		t.Errorf("rejected page shows %q, want the reason", got)
	}

	j := s.api(t, "GET", "/api/jobs/"+jobID, nil)
	if j["status"] != "rejected" {
		t.Errorf("job status %v", j["status"])
	}
	got := rc.events(t, jobID, "rejected")
	checkCallbacks(t, got,
		"uploaded", "preflighting", "preflight_failed",
		"uploaded", "preflighting", "preflight_passed", "proof_generated", "rejected")
	last := got[len(got)-1].Body["errors"]
	if errs, _ := last.([]any); len(errs) == 0 || errs[0].(map[string]any)["message"] != reason ||
		errs[0].(map[string]any)["code"] != "REJECTED_BY_CUSTOMER" {
		t.Errorf("rejected callback errors %v, want the reason", last)
	}
}

// screenshot saves the screen as docs/screenshots/customer-NAME-*.png; see
// browsertest.Screenshots.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	browsertest.Screenshots(t, ctx, browserTimeout, filepath.Join("..", "..", "docs", "screenshots"), "customer-"+name)
}
