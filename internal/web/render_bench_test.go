package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// BenchmarkFirstRender is the server's time for the first render of a
// customer page, GET /u/{token} on SQLite: a job waiting for its file
// ("upload"), and one whose file failed preflight with three findings
// ("findings"), each asked for by an English and a German browser
// (Accept-Language; a tree without languages answers both in English).
// The German findings page renders the stored English findings again in
// German, the work languages add at its most. It uses only what the
// package had before languages, so that bench/firstrender can run it on
// an older commit and this one in the same run.
//
//	go test -run '^$' -bench FirstRender ./internal/web/
func BenchmarkFirstRender(b *testing.B) {
	ctx := context.Background()
	st := benchSQLite(b)
	blobs, err := blob.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	flow := &workflow.Service{Store: st, Now: time.Now, Attempts: 1, Blobs: blobs}
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "printer", CreatedAt: time.Now().UTC()}
	if err := st.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	newJob := func() job.Job {
		j := flow.NewJob(workflow.NewJobParams{TenantID: tn.ID, ExternalID: "ORDER-1", Preflight: &job.Expectations{
			TrimSize: &job.Size{Width: 148, Height: 210, Unit: "mm"}, PageCount: 2, Bleed: &job.Bleed{Size: 3, Unit: "mm"}}})
		if err := flow.CreateJob(ctx, j, nil); err != nil {
			b.Fatal(err)
		}
		return j
	}
	waiting, failed := newJob(), newJob()
	v, err := flow.Upload(ctx, workflow.UploadParams{TenantID: tn.ID, JobID: failed.ID, Filename: "flyer.pdf",
		Body: bytes.NewReader(tinyPDF), Size: -1})
	if err != nil {
		b.Fatal(err)
	}
	findings := []job.Finding{
		{Code: "PAGE_COUNT_MISMATCH", Check: "page_count", Severity: "error", Message: "Your file has 1 page; the order is for 2 pages. Upload a file with exactly 2 pages.",
			Details: json.RawMessage(`{"measured":1,"threshold":2}`)},
		{Code: "INSUFFICIENT_BLEED", Check: "bleed", Severity: "error", Page: 1, Message: "Page 1 has no bleed. Print needs 3 mm of extra background beyond the cut on every side: extend background colours and pictures 3 mm past the page edge and export with bleed.",
			Details: json.RawMessage(`{"measured":0,"threshold":3,"unit":"mm","area":[0,0,419.53,595.28]}`)},
		{Code: "LOW_RESOLUTION_IMAGE", Check: "image_resolution", Severity: "warning", Page: 1, Message: "This image is 180 ppi at its printed size; it will print, but 225 ppi would be sharper. Use a larger original if you have one.",
			Details: json.RawMessage(`{"measured":180.4,"threshold":225,"recommended":225,"unit":"ppi","area":[10,10,200,300]}`)},
	}
	for _, to := range []job.Status{job.Preflighting, job.PreflightFailed} {
		c := workflow.Change{TenantID: tn.ID, JobID: failed.ID, To: to, ArtworkVersionID: v.ID}
		if to == job.PreflightFailed {
			c.Errors = findings
		}
		if _, err := flow.Transition(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	w := New(Deps{Store: st, Workflow: flow, DataDir: b.TempDir(), PublicURL: "http://127.0.0.1",
		RequestsPerSecond: 1e9, Burst: 1e9})
	defer w.Close()
	mux := http.NewServeMux()
	w.Register(mux)
	for _, page := range []struct {
		name string
		j    job.Job
	}{{"upload", waiting}, {"findings", failed}} {
		for _, lang := range []struct{ name, header string }{
			{"en", "en-GB,en;q=0.9"}, {"de", "de-DE,de;q=0.9,en;q=0.8"},
		} {
			b.Run(page.name+"/"+lang.name, func(b *testing.B) {
				for b.Loop() {
					req := httptest.NewRequest("GET", "/u/"+page.j.UploadToken, nil)
					req.RemoteAddr = "203.0.113.7:4321"
					req.Header.Set("Accept-Language", lang.header)
					rec := httptest.NewRecorder()
					mux.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("page: %d", rec.Code)
					}
				}
			})
		}
	}
}
