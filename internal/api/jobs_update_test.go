package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// patch sends a merge patch of a job with the given key.
func (e *env) patch(jobID, body, key string) response {
	e.t.Helper()
	return e.do("PATCH", "/api/jobs/"+jobID, body, "Authorization", "Bearer "+key, "Content-Type", "application/merge-patch+json")
}

// fullJob creates a job with every changeable member set.
func fullJob(t *testing.T, e *env) string {
	t.Helper()
	r := e.post("/api/jobs", `{
	  "externalId": "PATCH-1",
	  "metadata": [{"propertyId": "qty", "propertyName": "Quantity", "value": "500"}],
	  "brand": {"color": "#1A73E8", "logo": "https://example.com/logo.png"},
	  "callbackURL": "https://erp.example.com/hooks/old",
	  "preflight": {"profile": "default", "trimSize": {"width": 210, "height": 297, "unit": "mm"}, "pageCount": 2}
	}`, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.json(t)["id"].(string)
}

// sub returns a member of a decoded JSON object.
func sub(v any, name string) any {
	m, _ := v.(map[string]any)
	return m[name]
}

// TestPatchEachField patches each member in turn and checks the job the
// PATCH answers with, that GET agrees, and the updated event each records.
func TestPatchEachField(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := fullJob(t, e)
	expires := time.Now().Add(90 * 24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	for _, tc := range []struct {
		name, body string
		changes    string
		check      func(j map[string]any) bool
	}{
		{"callbackURL", `{"callbackURL": "https://erp.example.com/hooks/new"}`, "callbackURL", func(j map[string]any) bool {
			return j["callbackURL"] == "https://erp.example.com/hooks/new"
		}},
		{"metadata replaced whole", `{"metadata": [{"propertyId": "paper", "propertyName": "Paper", "value": "Gloss"}]}`, "metadata", func(j map[string]any) bool {
			md, _ := j["metadata"].([]any)
			return len(md) == 1 && sub(md[0], "propertyId") == "paper"
		}},
		{"brand merged member by member", `{"brand": {"color": "#000"}}`, "brand", func(j map[string]any) bool {
			return sub(j["brand"], "color") == "#000" && sub(j["brand"], "logo") == "https://example.com/logo.png"
		}},
		{"brand member removed", `{"brand": {"logo": null}}`, "brand", func(j map[string]any) bool {
			b, _ := j["brand"].(map[string]any)
			_, hasLogo := b["logo"]
			return b["color"] == "#000" && !hasLogo
		}},
		{"preflight merged, nested objects too", `{"preflight": {"pageCount": 4, "trimSize": {"width": 148}}}`, "preflight", func(j map[string]any) bool {
			ts := sub(j["preflight"], "trimSize")
			return sub(j["preflight"], "pageCount") == float64(4) && sub(j["preflight"], "profile") == "default" &&
				sub(ts, "width") == float64(148) && sub(ts, "height") == float64(297) && sub(ts, "unit") == "mm"
		}},
		{"expiresAt extended", `{"expiresAt": "` + expires + `"}`, "expiresAt", func(j map[string]any) bool {
			return j["expiresAt"] == expires
		}},
		{"several at once, removals", `{"callbackURL": null, "metadata": null, "brand": null, "preflight": null}`, "callbackURL,metadata,brand,preflight", func(j map[string]any) bool {
			md, _ := j["metadata"].([]any)
			return j["callbackURL"] == nil && md != nil && len(md) == 0 && j["brand"] == nil && j["preflight"] == nil
		}},
	} {
		r := e.patch(id, tc.body, e.live)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.name, r.status, r.body)
		}
		if j := r.json(t); !tc.check(j) {
			t.Errorf("%s: the job after the patch is %s", tc.name, r.body)
		}
		if got := e.get("/api/jobs/"+id, e.live); compactJSON(t, got.body) != compactJSON(t, r.body) {
			t.Errorf("%s: GET differs from the PATCH response:\n%s\n%s", tc.name, got.body, r.body)
		}
		evs, _ := e.get("/api/jobs/"+id+"/events", e.live).json(t)["data"].([]any)
		last := evs[len(evs)-1]
		var changes []string
		for _, c := range sub(last, "changes").([]any) {
			changes = append(changes, c.(string))
		}
		if sub(last, "event_type") != "updated" || sub(last, "status") != "awaiting_upload" ||
			sub(last, "decided_by") != "api_key" || strings.Join(changes, ",") != tc.changes {
			t.Errorf("%s: last event %v, want updated by api_key with changes %s", tc.name, last, tc.changes)
		}
	}
	// The event records which key: the store keeps its id.
	evs, err := e.store.ListEvents(t.Context(), e.tenantID, id)
	if err != nil || len(evs) != 7 {
		t.Fatalf("events %d (%v), want 7", len(evs), err)
	}
	if a := evs[0].Actor; a.Kind != job.ActorAPIKey || !strings.HasPrefix(a.ID, "key_") {
		t.Errorf("actor %+v, want the API key", a)
	}

	// application/json is accepted as a merge patch too.
	r := e.do("PATCH", "/api/jobs/"+id, `{"metadata": [{"propertyId": "a", "propertyName": "A", "value": "1"}]}`,
		"Authorization", "Bearer "+e.live, "Content-Type", "application/json")
	if r.status != http.StatusOK || len(r.json(t)["metadata"].([]any)) != 1 {
		t.Errorf("application/json: %d %s", r.status, r.body)
	}
}

// TestPatchNothingRecordsNothing: an empty patch, or one that sets the
// values the job has, records no event and answers with the job, even on
// a final job (a retry of a patch that was applied is safe).
func TestPatchNothingRecordsNothing(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := fullJob(t, e)
	before := e.get("/api/jobs/"+id, e.live)
	for _, body := range []string{`{}`, `{"callbackURL": "https://erp.example.com/hooks/old", "brand": {"color": "#1A73E8"}, "preflight": {"pageCount": 2}}`} {
		r := e.patch(id, body, e.live)
		if r.status != http.StatusOK || compactJSON(t, r.body) != compactJSON(t, before.body) {
			t.Errorf("%s: %d %s, want the job unchanged", body, r.status, r.body)
		}
	}
	if evs, _ := e.store.ListEvents(t.Context(), e.tenantID, id); len(evs) != 0 {
		t.Errorf("a patch that changes nothing recorded %d events", len(evs))
	}
	if _, err := e.flow.Cancel(t.Context(), e.tenantID, id, job.Actor{Kind: job.ActorAPIKey}); err != nil {
		t.Fatal(err)
	}
	if r := e.patch(id, `{"callbackURL": "https://erp.example.com/hooks/old"}`, e.live); r.status != http.StatusOK {
		t.Errorf("a patch of a cancelled job that changes nothing: %d %s", r.status, r.body)
	}
}

// walk moves a job through the given statuses.
func walk(t *testing.T, e *env, jobID string, to ...job.Status) {
	t.Helper()
	for _, s := range to {
		if _, err := e.flow.Transition(t.Context(), workflow.Change{TenantID: e.tenantID, JobID: jobID, To: s}); err != nil {
			t.Fatalf("move to %s: %v", s, err)
		}
	}
}

// TestPatchRefusedByState: the expectations change only while the job
// waits for a file; nothing changes on a final job. Each refusal is a 409
// naming the status, and leaves the job as it was.
func TestPatchRefusedByState(t *testing.T) {
	t.Parallel()
	e := setup(t)
	const (
		expectations = `{"preflight": {"pageCount": 8}}`
		metadata     = `{"metadata": [{"propertyId": "x", "propertyName": "X", "value": "changed"}]}`
	)
	upload := []job.Status{job.Uploaded}
	preflighting := append(upload, job.Preflighting)
	passed := append(preflighting, job.PreflightPassed)
	proof := append(passed, job.ProofGenerated)
	for _, tc := range []struct {
		status                     job.Status
		path                       []job.Status
		expectationsOK, anythingOK bool
	}{
		{job.AwaitingUpload, nil, true, true},
		{job.Uploaded, upload, false, true},
		{job.Preflighting, preflighting, false, true},
		{job.PreflightPassed, passed, false, true},
		{job.PreflightFailed, append(preflighting, job.PreflightFailed), true, true},
		{job.ProofGenerated, proof, false, true},
		{job.Rejected, append(proof, job.Rejected), true, true},
		{job.Approved, append(proof, job.Approved), false, false},
		{job.Cancelled, []job.Status{job.Cancelled}, false, false},
		{job.Expired, []job.Status{job.Expired}, false, false},
	} {
		id := e.createJob(e.live, "STATE-"+string(tc.status))
		walk(t, e, id, tc.path...)
		for _, c := range []struct {
			body string
			ok   bool
		}{{expectations, tc.expectationsOK}, {metadata, tc.anythingOK}} {
			before, _ := e.store.Job(t.Context(), e.tenantID, id)
			r := e.patch(id, c.body, e.live)
			if c.ok {
				if r.status != http.StatusOK {
					t.Errorf("%s: %s refused: %d %s", tc.status, c.body, r.status, r.body)
				}
				continue
			}
			p := wantProblem(t, r, http.StatusConflict, "conflict")
			if d, _ := p["detail"].(string); !strings.Contains(d, string(tc.status)) {
				t.Errorf("%s: the 409 must name the status: %q", tc.status, d)
			}
			if after, _ := e.store.Job(t.Context(), e.tenantID, id); after.Sequence != before.Sequence ||
				after.Preflight != nil || len(after.Metadata) != 0 {
				t.Errorf("%s: a refused patch changed the job: %+v", tc.status, after)
			}
		}
	}
}

// TestPatchValidation: every problem of a patch at once, with pointers,
// as on create; nothing is changed.
func TestPatchValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := fullJob(t, e)
	for _, tc := range []struct {
		body string
		want map[string]string
	}{
		{`{"callbackUrl": "https://erp.example.com/x", "colour": "#fff", "externalId": "NEW", "status": "approved"}`, map[string]string{
			"/callbackUrl": "did you mean callbackURL?",
			"/colour":      "a PATCH may change callbackURL, metadata, brand, preflight, expiresAt",
			"/externalId":  "create a new job",
			"/status":      "read-only",
		}},
		{`{"callbackURL": "http://erp.example.com/hook", "brand": {"color": "blue", "logoo": "x"}, "metadata": {"a": 1}}`, map[string]string{
			"/callbackURL": "https",
			"/brand/color": "hex colour",
			"/brand/logoo": "did you mean logo?",
			"/metadata":    "must be an array",
		}},
		{`{"callbackURL": "https://10.0.0.1/hook", "preflight": {"trimSize": {"unit": null}, "pageCount": 0}}`, map[string]string{
			"/callbackURL":             "private",
			"/preflight/trimSize/unit": "is required",
			"/preflight/pageCount":     "whole number from 1",
		}},
		{`{"expiresAt": "2020-01-01T00:00:00Z"}`, map[string]string{"/expiresAt": "must be in the future"}},
		{`{"expiresAt": "` + time.Now().Add(400*24*time.Hour).UTC().Format(time.RFC3339) + `"}`, map[string]string{"/expiresAt": "at most 365 days ahead"}},
		{`{"expiresAt": "next week"}`, map[string]string{"/expiresAt": "RFC 3339"}},
		{`{"expiresAt": "2026-06-10T10:20:00"}`, map[string]string{"/expiresAt": "time zone"}},
		{`{"expiresAt": 1767225600}`, map[string]string{"/expiresAt": "not a number"}},
		{`{"expiresAt": null}`, map[string]string{"/expiresAt": "cannot be removed"}},
		{`[{"op": "replace", "path": "/callbackURL", "value": "https://x.example.com"}]`, map[string]string{"": "must be an object"}},
	} {
		before := e.get("/api/jobs/"+id, e.live)
		p := wantProblem(t, e.patch(id, tc.body, e.live), http.StatusBadRequest, "validation")
		got := pointers(p)
		for ptr, frag := range tc.want {
			if !strings.Contains(got[ptr], frag) {
				t.Errorf("%s: %q: detail %q should contain %q", tc.body, ptr, got[ptr], frag)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d problems, want %d: %v", tc.body, len(got), len(tc.want), got)
		}
		if after := e.get("/api/jobs/"+id, e.live); compactJSON(t, after.body) != compactJSON(t, before.body) {
			t.Errorf("%s: a refused patch changed the job", tc.body)
		}
	}
	if evs, _ := e.store.ListEvents(t.Context(), e.tenantID, id); len(evs) != 0 {
		t.Errorf("refused patches recorded %d events", len(evs))
	}
	wantProblem(t, e.do("PATCH", "/api/jobs/"+id, `{}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json-patch+json"),
		http.StatusUnsupportedMediaType, "unsupported-media-type")
	wantProblem(t, e.do("PATCH", "/api/jobs/"+id, `{}`, "Authorization", "Bearer "+e.live), http.StatusUnsupportedMediaType, "unsupported-media-type")
	wantProblem(t, e.patch(id, `{"callbackURL": "x",}`, e.live), http.StatusBadRequest, "invalid-json")
	wantProblem(t, e.patch(id, `{"brand": {"color": "#000"}, "brand": null}`, e.live), http.StatusBadRequest, "validation")
	wantProblem(t, e.patch(id, `{}`, e.test), http.StatusNotFound, "not-found")
}

// TestOpenAPIPatchSchema sends merge patches to fresh jobs and checks that
// the document's JobPatch schema accepts exactly those the API accepts,
// except for the rules a schema cannot state, which are listed.
func TestOpenAPIPatchSchema(t *testing.T) {
	t.Parallel()
	e := setup(t)
	o := servedOpenAPI(t, e, false)
	const schema = "/components/schemas/JobPatch"
	soon := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	valid := []string{
		`{}`,
		`{"callbackURL":"https://erp.example.com/hooks/v2","metadata":[{"propertyId":"a","propertyName":"A","value":"1"}],"brand":{"color":"#000","logo":"https://example.com/l.svg"},"preflight":{"profile":"default","trimSize":{"width":148,"height":210,"unit":"mm"},"pageCount":4,"bleed":{"size":3,"unit":"mm"}},"expiresAt":"` + soon + `"}`,
		`{"callbackURL":null,"metadata":null,"brand":null,"preflight":null}`,
		`{"metadata":[]}`, `{"brand":{}}`, `{"brand":{"logo":null}}`, `{"preflight":{}}`,
		`{"preflight":{"trimSize":{"width":100}}}`, // merged into the job's trimSize
		`{"preflight":{"trimSize":null,"bleed":{"size":5,"unit":"pt"}}}`,
		`{"expiresAt":"` + time.Now().Add(24*time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339Nano) + `"}`,
	}
	invalid := []string{
		`[]`, `"x"`, `null`, `42`,
		`{"externalId":"X"}`, `{"artwork":{"url":"https://example.com/a.pdf"}}`, `{"status":"approved"}`, `{"callbackUrl":"https://e.com"}`,
		`{"callbackURL":"http://erp.example.com/hook"}`, `{"callbackURL":""}`, `{"callbackURL":5}`,
		`{"metadata":{}}`, `{"metadata":[{"propertyId":"a","propertyName":"A"}]}`,
		`{"brand":[]}`, `{"brand":{"color":"blue"}}`, `{"brand":{"colour":"#123"}}`,
		`{"preflight":{"pageCount":0}}`, `{"preflight":{"dpi":300}}`, `{"preflight":{"trimSize":{"width":0}}}`,
		`{"preflight":{"trimSize":{"unit":"cm"}}}`, `{"preflight":{"bleed":{"size":101}}}`, `{"preflight":{"trimSize":{"depth":1}}}`,
		`{"expiresAt":"tomorrow"}`, `{"expiresAt":5}`, `{"expiresAt":null}`,
	}
	serverOnly := []string{
		`{"callbackURL":"https://10.0.0.1/hook"}`,
		`{"metadata":[{"propertyId":"a","propertyName":"A","value":"1"},{"propertyId":"a","propertyName":"B","value":"2"}]}`,
		`{"preflight":{"bleed":{"size":3}}}`, // the job has no bleed to merge into: no unit
		`{"expiresAt":"2020-01-01T00:00:00Z"}`,
		`{"expiresAt":"` + time.Now().Add(400*24*time.Hour).UTC().Format(time.RFC3339) + `"}`,
	}
	verdict := func(body string) (server bool, schemaErr error) {
		t.Helper()
		id := fullJob(t, e) // has a trimSize, no bleed
		r := e.patch(id, body, e.live)
		switch r.status {
		case http.StatusOK:
			server = true
		case http.StatusBadRequest:
			wantProblem(t, r, http.StatusBadRequest, "validation")
		default:
			t.Fatalf("%s: status %d %s", body, r.status, r.body)
		}
		return server, o.validateJSON(schema, []byte(body))
	}
	for _, body := range valid {
		if server, err := verdict(body); !server || err != nil {
			t.Errorf("%s: server accepts: %v, schema error: %v; want both to accept", body, server, err)
		}
	}
	for _, body := range invalid {
		if server, err := verdict(body); server || err == nil {
			t.Errorf("%s: server accepts: %v, schema error: %v; want both to refuse", body, server, err)
		}
	}
	for _, body := range serverOnly {
		if server, err := verdict(body); server || err != nil {
			t.Errorf("%s: server accepts: %v, schema error: %v; want the server alone to refuse", body, server, err)
		}
	}
}
