package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// lowRes is a preflight finding as the pipeline stores it: the English
// message, and the details the message is made from.
var lowRes = job.Finding{Code: "LOW_RESOLUTION_IMAGE", Check: "image_resolution", Severity: "error", Page: 1,
	Message: "This image is 96 ppi at its printed size; print needs at least 150 ppi (225 ppi looks sharp). Upload a larger original, or place it smaller.",
	Details: json.RawMessage(`{"measured":96.4,"threshold":150,"recommended":225,"unit":"ppi"}`)}

const lowResGerman = "Dieses Bild hat in der gedruckten Größe 96 ppi; für den Druck sind mindestens 150 ppi nötig (mit 225 ppi wird es scharf)."

// TestJobLocaleGermanEverywhere: a job created with locale "de" reads its
// findings' messages in German in the job, in its events and in the
// callback its receiver gets, with the same codes; a job without a locale
// keeps English.
func TestJobLocaleGermanEverywhere(t *testing.T) {
	t.Parallel()
	e := setupWith(t, withCallbacks(callback.Schedule{time.Millisecond}))
	hook := newHookReceiver(t, http.StatusOK, nil)
	r := e.post("/api/jobs", `{"externalId":"DE-1","locale":"de","callbackURL":"`+hook.url+`","events":["preflight_failed"]}`, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	created := r.json(t)
	if created["locale"] != "de" {
		t.Errorf("created locale = %v, want de", created["locale"])
	}
	german := created["id"].(string)
	english := e.createJob(e.live, "EN-1")
	for _, jobID := range []string{german, english} {
		fail(t, e, jobID)
	}

	body := hook.next(t, "the preflight_failed callback")
	if msg := firstMessage(t, body["errors"]); !strings.HasPrefix(msg, lowResGerman) {
		t.Errorf("callback message = %q, want German", msg)
	}
	for _, read := range []struct {
		name   string
		errors func(jobID string) any
	}{
		{"job", func(jobID string) any { return e.get("/api/jobs/"+jobID, e.live).json(t)["errors"] }},
		{"events", func(jobID string) any {
			data := e.get("/api/jobs/"+jobID+"/events", e.live).json(t)["data"].([]any)
			return data[len(data)-1].(map[string]any)["errors"]
		}},
	} {
		if msg := firstMessage(t, read.errors(german)); !strings.HasPrefix(msg, lowResGerman) {
			t.Errorf("%s of the German job: message %q", read.name, msg)
		}
		if msg := firstMessage(t, read.errors(english)); msg != lowRes.Message {
			t.Errorf("%s of the job without a locale: message %q, want English", read.name, msg)
		}
	}
	got := e.get("/api/jobs/"+english, e.live).json(t)
	if l, ok := got["locale"]; !ok || l != nil {
		t.Errorf("a job without a locale has locale %v, want null", l)
	}
}

// fail records a preflight that found lowRes in a new version of the job.
func fail(t *testing.T, e *env, jobID string) {
	t.Helper()
	now := time.Now()
	v := store.ArtworkVersion{ID: id.NewAt(id.ArtworkVersion, now), Filename: "artwork.pdf", CreatedAt: now}
	if _, err := e.flow.Transition(t.Context(), workflow.Change{
		TenantID: e.tenantID, JobID: jobID, To: job.PreflightFailed, ArtworkVersionID: v.ID,
		SetCurrentVersion: true, NewVersion: &v, Errors: []job.Finding{lowRes},
	}); err != nil {
		t.Fatal(err)
	}
}

// firstMessage is the message of the first finding of a decoded errors
// list, whose code must not have changed.
func firstMessage(t *testing.T, errs any) string {
	t.Helper()
	list, ok := errs.([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("errors = %v, want a finding", errs)
	}
	f := list[0].(map[string]any)
	if f["code"] != lowRes.Code {
		t.Errorf("code = %v, want %s in every language", f["code"], lowRes.Code)
	}
	return f["message"].(string)
}

func TestJobLocaleValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	for in, want := range map[string]string{`"de-at"`: "de-AT", `"no"`: "no", `"fi"`: "fi", `"pl-PL"`: "pl-PL"} {
		r := e.post("/api/jobs", `{"externalId":"L","locale":`+in+`}`, e.live)
		if r.status != http.StatusCreated || r.json(t)["locale"] != want {
			t.Errorf("locale %s: %d %s; want 201 with %q", in, r.status, r.body, want)
		}
	}
	for _, in := range []string{`"ja"`, `"xx-!!"`, `""`, `5`, `"` + strings.Repeat("a", 40) + `"`} {
		p := wantProblem(t, e.post("/api/jobs", `{"externalId":"L","locale":`+in+`}`, e.live), http.StatusBadRequest, "validation")
		if d := pointers(p)["/locale"]; d == "" {
			t.Errorf("locale %s: no problem at /locale in %v", in, p)
		} else if (in == `"ja"` || in == `"xx-!!"`) && !strings.Contains(d, "en, de, fr, es, it, nl, da, sv, nb, fi, pl") {
			t.Errorf("locale %s: %q does not list the languages", in, d)
		}
	}
}
