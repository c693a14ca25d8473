package manage

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

// TestScreenshots rewrites docs/screenshots/manage-*.png from a seeded
// account. It runs only with SUBMIT_SCREENSHOTS=1, so that CI never
// rewrites the pictures.
func TestScreenshots(t *testing.T) {
	if os.Getenv("SUBMIT_SCREENSHOTS") != "1" {
		t.Skip("set SUBMIT_SCREENSHOTS=1 to rewrite docs/screenshots/manage-*.png")
	}
	e := setup(t)
	jobID := seedDemo(t, e)
	ctx := newBrowser(t)
	signInBrowser(t, ctx, e.srv.URL, "admin@acme.test")
	out := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct{ name, path, wait string }{
		{"job-timeline", "/manage/jobs/" + jobID, "job-status"},
		{"vault", "/manage/vault", "signing-secret"},
		{"exceptions", "/manage/exceptions", "exceptions"},
	} {
		do(t, ctx, s.name, chromedp.Navigate(e.srv.URL+s.path), browsertest.Shown("#"+s.wait))
		png := get(t, ctx, "screenshot "+s.name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(out, "manage-"+s.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScreenshotDashboard rewrites docs/screenshots/manage-dashboard.png
// from a year of generated jobs (storetest.GenerateJobs), so that its
// charts have a month to show; with SUBMIT_SCREENSHOTS=1 only.
func TestScreenshotDashboard(t *testing.T) {
	if os.Getenv("SUBMIT_SCREENSHOTS") != "1" {
		t.Skip("set SUBMIT_SCREENSHOTS=1 to rewrite docs/screenshots/manage-dashboard.png")
	}
	e := setup(t)
	storetest.GenerateJobs(t, e.st.Writer(), false, e.acme.ID, e.globex.ID)
	e.clock.mu.Lock()
	e.clock.t = storetest.GeneratedNow
	e.clock.mu.Unlock()
	ctx := newBrowser(t)
	signInBrowser(t, ctx, e.srv.URL, "admin@acme.test")
	do(t, ctx, "dashboard", chromedp.Navigate(e.srv.URL+"/manage/"), browsertest.Shown("#jobs-chart"))
	png := get(t, ctx, "screenshot dashboard", chromedp.FullScreenshot(100))
	out := filepath.Join("..", "..", "docs", "screenshots", "manage-dashboard.png")
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// seedDemo fills acme with what an account looks like after a busy day and
// returns the job whose timeline is shown.
func seedDemo(t *testing.T, e *env) string {
	ctx := t.Context()
	erp := "https://erp.printshop.example/hooks/submit"
	if err := e.st.UpdateTenantSettings(ctx, e.acme.ID, store.TenantSettings{CallbackURL: erp,
		Brand: &job.Brand{Color: "#1A73E8"}, PreflightProfile: "default"}); err != nil {
		t.Fatal(err)
	}
	statuses := [][]job.Status{
		{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated, job.Approved},
		{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated},
		{job.Uploaded, job.Preflighting, job.PreflightFailed},
		{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated, job.Rejected},
		{}, {}, {job.Cancelled},
	}
	for i, path := range statuses {
		j := e.newJob(e.acme.ID, "PO-2026-1047"+string(rune('0'+i)), erp)
		for _, to := range path {
			e.transition(j, to, nil)
		}
	}
	for e.deliverAll(erp, 200, `{"ok":true}`) > 0 { // one event per job at a time, in order
	}
	e.proofGivenUp(e.acme.ID, "PO-2026-10479") // a proof that could not be made, under Exceptions

	j := e.flow.NewJob(workflow.NewJobParams{TenantID: e.acme.ID, Livemode: true, ExternalID: "PO-2026-10482",
		CallbackURL: erp, Metadata: []job.Metadata{{PropertyID: "product", PropertyName: "Product", Value: "Business cards, 85 × 55 mm"},
			{PropertyID: "quantity", PropertyName: "Quantity", Value: "500"}}})
	if err := e.flow.CreateJob(ctx, j, nil); err != nil {
		t.Fatal(err)
	}
	e.transition(j, job.Uploaded, &store.ArtworkVersion{Filename: "business-cards-v1.pdf", Size: 482113})
	e.deliverAll(erp, 200, `{"received":"uploaded"}`)
	e.transition(j, job.Preflighting, nil)
	e.deliverAll(erp, 200, `{"received":"preflighting"}`)
	details, _ := json.Marshal(map[string]any{"ppi": 96, "minimum": 300})
	e.transitionErrors(j, job.PreflightFailed, []job.Finding{{Code: "LOW_RESOLUTION_IMAGE", Check: "image_resolution",
		Severity: "error", Message: "One or more images are below the required resolution.", Page: 1, Details: details}})
	for range 2 {
		e.deliverAll(erp, 503, `<html><body><h1>503 Service Unavailable</h1>ERP maintenance until 18:00</body></html>`)
	}
	e.failAll(erp, 502, `{"error":"bad gateway"}`)

	keys := []vault.KeyParams{{TenantID: e.acme.ID, Name: "ERP production", Livemode: true},
		{TenantID: e.acme.ID, Name: "Webshop", Livemode: true}, {TenantID: e.acme.ID, Name: "ERP staging", Livemode: false}}
	for i, p := range keys {
		k, _, err := e.vault.CreateKey(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			_ = e.st.TouchAPIKey(ctx, k.ID, time.Now().Add(-3*time.Minute))
		}
		if i == 1 {
			_, _ = e.vault.RevokeKey(ctx, e.acme.ID, k.ID)
		}
	}
	if _, err := e.vault.RotateSecret(ctx, e.acme.ID); err != nil {
		t.Fatal(err)
	}
	return j.ID
}

// transition moves a job, with a new artwork version when v is set.
func (e *env) transition(j store.Job, to job.Status, v *store.ArtworkVersion) {
	e.t.Helper()
	e.move(j, to, v, nil)
}

func (e *env) transitionErrors(j store.Job, to job.Status, errs []job.Finding) {
	e.t.Helper()
	e.move(j, to, nil, errs)
}

func (e *env) move(j store.Job, to job.Status, v *store.ArtworkVersion, errs []job.Finding) {
	e.t.Helper()
	cur, err := e.st.Job(e.t.Context(), j.TenantID, j.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	typ, err := job.Move(cur.Status, to)
	if err != nil {
		e.t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	p := store.TransitionParams{TenantID: j.TenantID, JobID: j.ID, From: []job.Status{cur.Status},
		Event: job.Event{ID: id.NewAt(id.Event, now), JobID: j.ID, TenantID: j.TenantID, Livemode: j.Livemode,
			Type: typ, Status: to, OrderRef: j.ExternalID, Errors: errs, OccurredAt: now,
			ArtworkVersionID: cur.CurrentVersionID},
	}
	if v != nil {
		v.ID, v.JobID, v.TenantID, v.CreatedAt, v.Status = id.NewAt(id.ArtworkVersion, now), j.ID, j.TenantID, now, to
		v.SHA256 = "9f2c4be1d1a0e5b7c3f8a6d2e4b1c0a9f8e7d6c5b4a3928170f6e5d4c3b2a190"
		p.NewVersion, p.Event.ArtworkVersionID, p.CurrentVersionID = v, v.ID, v.ID
	}
	if typ.Sent(nil, nil) {
		if url := cur.CallbackURL; url != "" {
			p.CallbackURL, p.DeliveryID, p.Attempts = url, id.NewAt(id.Delivery, now), 3
		}
	}
	if _, err := e.st.TransitionJob(e.t.Context(), p); err != nil && v != nil {
		p.NewVersion, p.Event.ArtworkVersionID, p.CurrentVersionID = nil, "", "" // a store without artwork versions
		_, err = e.st.TransitionJob(e.t.Context(), p)
		if err != nil {
			e.t.Fatal(err)
		}
	} else if err != nil {
		e.t.Fatal(err)
	}
}

// deliverAll records one attempt with the given answer on every due
// delivery to url: delivered on 2xx, else pending again at once.
func (e *env) deliverAll(url string, status int, body string) int {
	e.t.Helper()
	outcome := store.DeliveryPending
	if status < 300 {
		outcome = store.DeliveryDelivered
	}
	return e.attemptAll(url, status, body, outcome)
}

// failAll records a last failed attempt on every due delivery to url.
func (e *env) failAll(url string, status int, body string) {
	e.t.Helper()
	e.attemptAll(url, status, body, store.DeliveryFailed)
}

func (e *env) attemptAll(url string, status int, body, outcome string) int {
	e.t.Helper()
	ctx := e.t.Context()
	cs, err := e.st.ClaimDeliveries(ctx, store.ClaimParams{Now: time.Now().Add(time.Second), Lease: time.Minute, Limit: 100, Worker: "seed"})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		if c.Delivery.URL != url {
			continue
		}
		n++
		a := store.Attempt{ID: id.New(id.Attempt), DeliveryID: c.Delivery.ID, StartedAt: time.Now(),
			Duration: time.Duration(180+len(body)) * time.Millisecond, StatusCode: status, Response: body}
		if status >= 300 {
			a.Error = "the receiver answered " + http503Text(status)
		}
		if _, err := e.st.RecordAttempt(ctx, store.AttemptParams{DeliveryID: c.Delivery.ID, Worker: "seed",
			Outcome: outcome, Attempt: a, NextAttemptAt: time.Now()}); err != nil {
			e.t.Fatal(err)
		}
	}
	return n
}

func http503Text(status int) string {
	switch status {
	case 502:
		return "502 Bad Gateway"
	case 503:
		return "503 Service Unavailable"
	}
	return "an error"
}
