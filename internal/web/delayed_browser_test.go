package web

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// TestBrowserProofDelayed: in Chromium, a page waiting for its proof
// switches by itself to "Your proof is delayed" when the pipeline gives
// up, though the job's status does not change, and back to "Checking your
// file" when an operator has the proof made again. The job is moved by
// hand (this server runs no pipeline), so the page is all that is tested.
func TestBrowserProofDelayed(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{ExternalID: "PO-2026-10490", Metadata: []job.Metadata{
		{PropertyID: "product", PropertyName: "Product", Value: "Leaflet A5, 2 pages"},
		{PropertyID: "quantity", PropertyName: "Quantity", Value: "2,500"},
	}, Brand: &job.Brand{Color: "#0F766E"}})
	v := e.upload(t, j)
	e.move(t, j, v, job.Preflighting, nil, nil)
	e.move(t, j, v, job.PreflightPassed, nil, nil)

	ctx := browsertest.New(t)
	const limit = time.Minute
	onView := func(name string) chromedp.Action[chromedp.Void] {
		return browsertest.Started(`body[data-view="` + name + `"] main`)
	}
	browsertest.Do(t, ctx, limit, "open the page", chromedp.Navigate(e.url(j, "")), onView("processing"))

	e.proofGivenUp(t, j)
	browsertest.Do(t, ctx, limit, "switch to the delayed proof", onView("proofdelayed"))
	text := browsertest.Get(t, ctx, limit, "read the page", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"Your proof is delayed", "Nothing is lost", "PO-2026-10490"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q:\n%s", want, text)
		}
	}
	if n := browsertest.Get(t, ctx, limit, "count spinners", chromedp.Evaluate[int](`document.querySelectorAll(".spinner").length`)); n != 0 {
		t.Errorf("the delayed page shows %v spinners", n)
	}
	browsertest.Screenshots(t, ctx, limit, filepath.Join("..", "..", "docs", "screenshots"), "customer-proof-delayed")

	if _, err := e.flow.RetryProof(t.Context(), j.TenantID, j.ID); err != nil {
		t.Fatal(err)
	}
	browsertest.Do(t, ctx, limit, "switch back once the proof is made again", onView("processing"))
}
