package web

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// a11yLimit bounds one group of browser steps; generous, as everywhere.
const a11yLimit = time.Minute

// TestBrowserAxe: axe-core finds no WCAG 2.0, 2.1 or 2.2 A or AA
// violation on any state of the customer page, in Chromium: upload, upload
// in progress, checking, findings, proof, approved, rejected, proof
// delayed, expired, cancelled, a test job's banner, a proof with fixes
// offered and its unchanged view, and the upload and
// proof of a tenant whose brand colour is a light yellow that fails
// contrast with white, and the proof of one in a mid-grey that fails with
// any text colour.
func TestBrowserAxe(t *testing.T) {
	t.Parallel()
	e := setup(t)
	meta := []job.Metadata{{PropertyID: "product", PropertyName: "Product", Value: "Leaflet A5, 2 pages"}}
	expect := &job.Expectations{TrimSize: &job.Size{Width: 148, Height: 210, Unit: "mm"}, PageCount: 2,
		Bleed: &job.Bleed{Size: 3, Unit: "mm"}}
	brand := &job.Brand{Color: "#0F766E"}
	live := func(ref string, b *job.Brand) job.Job {
		return e.newJob(t, workflow.NewJobParams{Livemode: true, ExternalID: ref, Metadata: meta, Preflight: expect, Brand: b})
	}

	waiting := live("PO-1", brand)
	progress := live("PO-2", brand)
	checking := live("PO-3", brand)
	e.upload(t, checking)
	failed := live("PO-4", brand)
	v := e.upload(t, failed)
	e.move(t, failed, v, job.Preflighting, nil, nil)
	e.move(t, failed, v, job.PreflightFailed, []job.Finding{
		{Code: "INSUFFICIENT_BLEED", Check: "bleed", Severity: "error", Message: "Page 2 has no bleed.", Page: 2},
		{Code: "RGB_COLOR", Check: "color", Severity: "warning", Message: "Colours are RGB."},
		{Code: "LOW_RESOLUTION", Check: "resolution", Severity: "info", Message: "An image has 240 ppi.", Page: 1},
	}, nil)
	proof := live("PO-5", brand)
	e.proofReady(t, proof, e.upload(t, proof), 2, []job.Finding{
		{Code: "RGB_COLOR", Check: "color", Severity: "warning", Message: "Colours are RGB.", Page: 1}})
	approved := live("PO-6", brand)
	e.proofReady(t, approved, e.upload(t, approved), 2, nil)
	if _, err := e.flow.Approve(t.Context(), e.tenant, approved.ID, job.Actor{Kind: job.ActorCustomer}); err != nil {
		t.Fatal(err)
	}
	rejected := live("PO-7", brand)
	e.proofReady(t, rejected, e.upload(t, rejected), 1, nil)
	if _, err := e.flow.Reject(t.Context(), e.tenant, rejected.ID, "Move the logo left.", job.Actor{Kind: job.ActorCustomer}); err != nil {
		t.Fatal(err)
	}
	delayed := live("PO-8", brand)
	e.upload(t, delayed)
	e.proofGivenUp(t, delayed)
	cancelledTest := e.newJob(t, workflow.NewJobParams{ExternalID: "TEST-9"})
	if _, err := e.flow.Cancel(t.Context(), e.tenant, cancelledTest.ID, job.Actor{Kind: job.ActorOperator}); err != nil {
		t.Fatal(err)
	}
	testJob := e.newJob(t, workflow.NewJobParams{ExternalID: "TEST-10", Metadata: meta})
	e.flow.Lifetime = -time.Minute // past its lifetime, before the sweeper marks it expired
	expired := live("PO-11", brand)
	e.flow.Lifetime = 0
	yellow := &job.Brand{Color: "#ffd400"}
	yellowUpload := live("PO-12", yellow)
	yellowProof := live("PO-13", yellow)
	e.proofReady(t, yellowProof, e.upload(t, yellowProof), 2, nil)
	grey := live("PO-14", &job.Brand{Color: "#797979"}) // neither white nor dark text reaches 4.5:1 on it
	e.proofReady(t, grey, e.upload(t, grey), 1, nil)
	choice := live("PO-15", brand)
	e.choiceReady(t, choice, e.upload(t, choice))

	ctx := browsertest.New(t)
	for _, tt := range []struct {
		name, url, ready string
	}{
		{"upload", e.url(waiting, ""), `body[data-view="upload"] main`},
		{"checking", e.url(checking, ""), `body[data-view="processing"] main`},
		{"findings", e.url(failed, ""), `body[data-view="findings"] main`},
		{"proof", e.url(proof, ""), `body[data-view="proof"] #page-2 img`},
		{"approved", e.url(approved, ""), `body[data-view="approved"] main`},
		{"rejected", e.url(rejected, ""), `body[data-view="rejected"] main`},
		{"proof delayed", e.url(delayed, ""), `body[data-view="proofdelayed"] main`},
		{"expired", e.url(expired, ""), `main h1`},
		{"cancelled test job", e.url(cancelledTest, ""), `#test-banner`},
		{"test job", e.url(testJob, ""), `#test-banner`},
		{"unknown link", e.srv.URL + "/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `main h1`},
		{"upload, brand #ffd400", e.url(yellowUpload, ""), `body[data-view="upload"] main`},
		{"proof, brand #ffd400", e.url(yellowProof, ""), `body[data-view="proof"] #page-2 img`},
		{"proof, brand #797979", e.url(grey, ""), `body[data-view="proof"] #page-1 img`},
		{"proof with fixes offered", e.url(choice, ""), `body[data-view="proof"] .fixes`},
		{"proof of the file unchanged", e.url(choice, "?print=unchanged"), `body[data-view="proof"] #page-1 img`},
	} {
		browsertest.Do(t, ctx, a11yLimit, "open "+tt.name, chromedp.Navigate(tt.url), browsertest.Started(tt.ready))
		browsertest.CheckAxe(t, ctx, a11yLimit, tt.name)
	}

	// The proof's change request form, opened, with the error it shows
	// when sent empty.
	browsertest.Do(t, ctx, a11yLimit, "open the change request", chromedp.Navigate(e.url(proof, "")),
		browsertest.Started(`#page-2 img`), chromedp.Click(chromedp.CSS(`.reject summary`)),
		browsertest.Started("#reason"))
	browsertest.CheckAxe(t, ctx, a11yLimit, "change request")

	// Upload in progress: the browser holds the upload's requests, so the
	// page stays on its progress bar while axe looks at it.
	held := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for range held { // held, never continued
		}
	}()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*/tus/*"}}, // the plain upload is only a fallback
	}); err != nil {
		t.Fatalf("hold uploads: %v", err)
	}
	browsertest.Do(t, ctx, a11yLimit, "start an upload that does not finish",
		chromedp.Navigate(e.url(progress, "")), browsertest.Started(`body[data-view="upload"] main`),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{writePDF(t)}),
		browsertest.Started(`.progress`))
	browsertest.CheckAxe(t, ctx, a11yLimit, "upload in progress")
}

// writePDF writes tinyPDF where the browser can pick it.
func writePDF(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "leaflet.pdf")
	if err := os.WriteFile(path, tinyPDF, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
