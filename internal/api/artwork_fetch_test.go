package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// TestArtworkFetchInJob: a job with artwork.url says where its fetch
// stands, and a failed one its finding's code, so that an ERP need not dig
// in the versions' findings; a job without one has null.
func TestArtworkFetchInJob(t *testing.T) {
	t.Parallel()
	e := setup(t)
	if got := e.post("/api/jobs", `{"externalId":"NO-URL"}`, e.live).json(t)["artworkFetch"]; got != nil {
		t.Errorf("without artwork.url: artworkFetch = %v, want null", got)
	}
	r := e.post("/api/jobs", `{"externalId":"URL","artwork":{"url":"https://example.com/files/artwork.pdf"}}`, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	created := r.json(t)
	jobID := created["id"].(string)
	if got := marshal(t, created["artworkFetch"]); got != `{"state":"pending"}` {
		t.Errorf("created: artworkFetch = %s", got)
	}

	now := time.Now()
	v := store.ArtworkVersion{ID: id.NewAt(id.ArtworkVersion, now), Filename: "artwork.pdf", CreatedAt: now}
	_, err := e.flow.Transition(t.Context(), workflow.Change{
		TenantID: e.tenantID, JobID: jobID, To: job.PreflightFailed, ArtworkVersionID: v.ID,
		SetCurrentVersion: true, NewVersion: &v, ArtworkFetch: store.FetchFailed,
		Errors: []job.Finding{{Code: "ARTWORK_NOT_PDF", Check: "artwork_fetch", Severity: "error", Message: "Not a PDF."}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := e.get("/api/jobs/"+jobID, e.live).json(t)["artworkFetch"]
	if s := marshal(t, got); s != `{"code":"ARTWORK_NOT_PDF","state":"failed"}` {
		t.Errorf("failed: artworkFetch = %s", s)
	}
}

// marshal is v as compact JSON, keys sorted.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
