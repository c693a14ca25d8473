package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// waitLogo waits until the logo service has checked a URL of the tenant.
func (e *env) waitLogo(t *testing.T, url string) store.Logo {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		l, err := e.store.Logo(t.Context(), e.tenantID, url)
		if err != nil {
			t.Fatal(err)
		}
		if l.State != store.LogoPending {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("logo %s still pending", url)
		}
	}
}

// TestLogoWarnings: a job's logo is checked after the job is created; one
// that answers 404 becomes a brand.logo warning in the job's JSON (read
// one by one and in lists), as the OpenAPI document describes it; a job
// created later with the same URL has the warning at once, without the
// host being asked again; a good logo has none. On SQLite and PostgreSQL.
func TestLogoWarnings(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db store.Store) {
		e := start(t, db, withLogos())
		o := fileOpenAPI(t, true)
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 32))); err != nil {
			t.Fatal(err)
		}
		var missingHits atomic.Int32
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/logo.png" {
				w.Write(b.Bytes())
				return
			}
			missingHits.Add(1)
			http.NotFound(w, r)
		}))
		t.Cleanup(host.Close)

		create := func(ref, logo string) map[string]any {
			t.Helper()
			r := e.post("/api/jobs", fmt.Sprintf(`{"externalId":%q,"brand":{"logo":%q}}`, ref, logo), e.live)
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			j := r.json(t)
			checkJob(t, o, j)
			return j
		}
		missing := host.URL + "/missing.png"
		first := create("ORDER-1", missing)
		if ws := first["warnings"].([]any); len(ws) != 0 {
			t.Fatalf("warnings before the check ran: %v", ws)
		}
		if l := e.waitLogo(t, missing); l.State != store.LogoFailed {
			t.Fatalf("logo %s, want failed", l.State)
		}
		want := `[{"code":"LOGO_FETCH_FAILED","field":"brand.logo","message":"The logo URL answered 404 Not Found; check the URL."}]`
		r := e.get("/api/jobs/"+first["id"].(string), e.live)
		j := r.json(t)
		checkJob(t, o, j)
		if got := warningsJSON(t, j); got != want {
			t.Fatalf("warnings = %s, want %s", got, want)
		}
		second := create("ORDER-2", missing)
		if got := warningsJSON(t, second); got != want {
			t.Fatalf("a new job naming a failed logo: warnings = %s, want %s", got, want)
		}
		if n := missingHits.Load(); n != 1 {
			t.Fatalf("the logo host was asked %d times for two jobs, want once", n)
		}

		good := host.URL + "/logo.png"
		third := create("ORDER-3", good)
		if l := e.waitLogo(t, good); l.State != store.LogoOK {
			t.Fatalf("good logo %s: %s", l.State, l.ErrorMessage)
		}
		r = e.get("/api/jobs/"+third["id"].(string), e.live)
		if got := warningsJSON(t, r.json(t)); got != "[]" {
			t.Fatalf("a good logo's warnings = %s, want []", got)
		}
		list := e.get("/api/jobs?limit=10", e.live)
		for _, j := range list.json(t)["data"].([]any) {
			checkJob(t, o, j.(map[string]any))
		}
		if n := strings.Count(string(list.body), `"LOGO_FETCH_FAILED"`); n != 2 {
			t.Fatalf("the list shows %d logo warnings, want 2:\n%s", n, list.body)
		}

		// A logo given by PATCH is checked as one given at creation.
		patched := host.URL + "/patched.png"
		r = e.do("PATCH", "/api/jobs/"+third["id"].(string), fmt.Sprintf(`{"brand":{"logo":%q}}`, patched),
			"Authorization", "Bearer "+e.live, "Content-Type", "application/merge-patch+json")
		if r.status != http.StatusOK {
			t.Fatalf("patch the logo: %d %s", r.status, r.body)
		}
		if l := e.waitLogo(t, patched); l.State != store.LogoFailed {
			t.Fatalf("patched logo %s, want failed (the host has no %s)", l.State, patched)
		}
		r = e.get("/api/jobs/"+third["id"].(string), e.live)
		if got := warningsJSON(t, r.json(t)); got != want {
			t.Fatalf("after patching in a missing logo: warnings = %s, want %s", got, want)
		}
	})
}

// checkJob validates a job against the Job schema. Its brand is left out:
// the test's logo URLs are http, which only --allow-insecure-urls allows
// and the document does not describe.
func checkJob(t *testing.T, o *openAPI, j map[string]any) {
	t.Helper()
	c := maps.Clone(j)
	c["brand"] = nil
	b, _ := json.Marshal(c)
	if err := o.validateJSON("/components/schemas/Job", b); err != nil {
		t.Fatalf("job does not match the Job schema: %v\n%s", err, b)
	}
}

func warningsJSON(t *testing.T, job map[string]any) string {
	t.Helper()
	b, err := json.Marshal(job["warnings"])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
