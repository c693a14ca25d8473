package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// failedDelivery records an uploaded event for a new job with a callback URL
// and fails its only attempt through the store, as the worker would, so that
// it is a workflow exception. No worker runs: the test controls every step.
func failedDelivery(t *testing.T, e *env) (jobID, deliveryID string) {
	t.Helper()
	jobID = e.createJob(e.live, "EXC-1")
	flow := &workflow.Service{Store: e.store, Now: time.Now, Attempts: 1}
	j, _ := e.store.Job(t.Context(), e.tenantID, jobID)
	j.CallbackURL = "https://erp.example.com/hook"
	// The job was made without a callback URL; give the tenant one instead.
	if err := e.store.UpdateTenantSettings(t.Context(), e.tenantID, store.TenantSettings{CallbackURL: j.CallbackURL}); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Transition(t.Context(), workflow.Change{TenantID: e.tenantID, JobID: jobID, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	claimed, err := e.store.ClaimDeliveries(t.Context(), store.ClaimParams{Now: time.Now().UTC(), Lease: time.Minute, Limit: 10, Worker: "test"})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	d := claimed[0].Delivery
	_, err = e.store.RecordAttempt(t.Context(), store.AttemptParams{
		DeliveryID: d.ID, Worker: "test", Outcome: store.DeliveryFailed,
		Attempt: store.Attempt{StartedAt: time.Now().UTC(), Duration: 30 * time.Millisecond, StatusCode: 500, Response: "receiver down"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return jobID, d.ID
}

func TestDeliveriesAndExceptions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	jobID, delID := failedDelivery(t, e)

	r := e.get("/api/jobs/"+jobID+"/deliveries", e.live)
	if r.status != http.StatusOK {
		t.Fatalf("deliveries: %d %s", r.status, r.body)
	}
	ds := r.json(t)["data"].([]any)
	if len(ds) != 1 {
		t.Fatalf("deliveries = %s", r.body)
	}
	d := ds[0].(map[string]any)
	attempts := d["attempts"].([]any)
	if d["id"] != delID || d["state"] != "failed" || d["sequence"] != float64(1) || len(attempts) != 1 {
		t.Fatalf("delivery = %v", d)
	}
	if a := attempts[0].(map[string]any); a["statusCode"] != float64(500) || a["response"] != "receiver down" || a["number"] != float64(1) {
		t.Errorf("attempt = %v", a)
	}

	ex := e.get("/api/exceptions", e.live).json(t)["data"].([]any)
	if len(ex) != 1 || ex[0].(map[string]any)["id"] != delID {
		t.Errorf("exceptions = %v", ex)
	}
	if ex := e.get("/api/exceptions?url=https://other.example.com/", e.live).json(t)["data"].([]any); len(ex) != 0 {
		t.Errorf("url filter kept %v", ex)
	}
	if ex := e.get("/api/exceptions", e.test).json(t)["data"].([]any); len(ex) != 0 {
		t.Errorf("a test key sees live exceptions: %v", ex)
	}

	res := e.post("/api/deliveries/"+delID+"/resolve", `{"note":"receiver replaced; order handled by hand"}`, e.live)
	if res.status != http.StatusOK || res.json(t)["state"] != "resolved" || res.json(t)["resolvedNote"] != "receiver replaced; order handled by hand" {
		t.Fatalf("resolve: %d %s", res.status, res.body)
	}
	if ex := e.get("/api/exceptions", e.live).json(t)["data"].([]any); len(ex) != 0 {
		t.Errorf("a resolved exception is still listed: %v", ex)
	}
	wantProblem(t, e.post("/api/deliveries/"+delID+"/resolve", "", e.live), http.StatusConflict, "conflict")

	re := e.post("/api/deliveries/"+delID+"/redeliver", "", e.live)
	if re.status != http.StatusOK || re.json(t)["state"] != "pending" || re.json(t)["attemptsLeft"] != float64(7) { // the server's whole schedule
		t.Errorf("redeliver: %d %s", re.status, re.body)
	}
}

func TestDeliveriesScopedToTenantAndMode(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, delID := failedDelivery(t, e)
	wantProblem(t, e.post("/api/deliveries/"+delID+"/redeliver", "", e.test), http.StatusNotFound, "not-found")
	other, _, _ := e.vault.EnsureTenant(t.Context(), "other")
	_, key, _ := e.vault.CreateKey(t.Context(), vaultKey(other.ID))
	wantProblem(t, e.post("/api/deliveries/"+delID+"/redeliver", "", key), http.StatusNotFound, "not-found")
	wantProblem(t, e.post("/api/deliveries/del_nope/resolve", "", e.live), http.StatusNotFound, "not-found")
	_, jobsOnly, _ := e.vault.CreateKey(t.Context(), vaultKey(e.tenantID, apikey.ScopeJobsRead, apikey.ScopeJobsWrite))
	p := wantProblem(t, e.get("/api/exceptions", jobsOnly), http.StatusForbidden, "forbidden")
	if !strings.Contains(p["detail"].(string), "callbacks:read") {
		t.Errorf("403 detail = %v", p["detail"])
	}
	wantProblem(t, e.post("/api/deliveries/"+delID+"/resolve", `{"nope":1}`, e.live), http.StatusBadRequest, "validation")
}

func TestPingNeedsAURL(t *testing.T) {
	t.Parallel()
	e := setup(t)
	p := wantProblem(t, e.post("/api/callbacks/ping", "", e.live), http.StatusBadRequest, "validation")
	if pointers(p)["/url"] == "" {
		t.Errorf("ping without a URL must say so: %v", p)
	}
	p = wantProblem(t, e.post("/api/callbacks/ping", `{"url":"http://10.0.0.1/hook"}`, e.live), http.StatusBadRequest, "validation")
	if !strings.Contains(pointers(p)["/url"], "https") {
		t.Errorf("ping to a private http URL: %v", p)
	}
}
