package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// receiver is a real HTTP callback receiver that keeps every body it gets.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []callback.Payload
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p callback.Payload
		if err := json.Unmarshal(b, &p); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, p)
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// await waits until the receiver has a body of event type typ for job
// jobID and returns it.
func (rc *receiver) await(t *testing.T, jobID string, typ job.EventType) callback.Payload {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc.mu.Lock()
		for _, p := range rc.bodies {
			if p.SessionID == jobID && p.EventType == string(typ) {
				rc.mu.Unlock()
				return p
			}
		}
		rc.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no %s callback for %s within 10 s", typ, jobID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// types lists the event types the receiver got for a job, in order.
func (rc *receiver) types(jobID string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []string
	for _, p := range rc.bodies {
		if p.SessionID == jobID {
			out = append(out, p.EventType)
		}
	}
	return out
}

// proofReady brings a job to proof_generated as the pipeline would.
func proofReady(t *testing.T, e *env, jobID string) {
	t.Helper()
	for _, to := range []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated} {
		if _, err := e.flow.Transition(t.Context(), workflow.Change{TenantID: e.tenantID, JobID: jobID, To: to}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDecisionsByAPI: approve, reject and cancel by API reach a real
// receiver with decided_by api_key; the reason of a rejection is in its
// errors; a decision on a job without a proof is a conflict that says why.
func TestDecisionsByAPI(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db store.Store) {
		e := start(t, db, withCallbacks(callback.Schedule{0}))
		rc := newReceiver(t)
		create := func(ext string) string {
			r := e.post("/api/jobs", `{"externalId":"`+ext+`","callbackURL":"`+rc.srv.URL+`"}`, e.live)
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			return r.json(t)["id"].(string)
		}
		approved, rejected, cancelled := create("APPROVE"), create("REJECT"), create("CANCEL")

		r := e.post("/api/jobs/"+approved+"/approve", "", e.live)
		if r.status != http.StatusConflict || !strings.Contains(string(r.body), "proof_generated") {
			t.Errorf("approve before the proof: %d %s, want 409 naming proof_generated", r.status, r.body)
		}
		proofReady(t, e, approved)
		proofReady(t, e, rejected)
		if r := e.post("/api/jobs/"+approved+"/approve", "{}", e.live); r.status != http.StatusOK || r.json(t)["status"] != "approved" {
			t.Fatalf("approve: %d %s", r.status, r.body)
		}
		if r := e.post("/api/jobs/"+approved+"/approve", "", e.live); r.status != http.StatusOK {
			t.Errorf("approving again: %d %s, want 200 (safe to retry)", r.status, r.body)
		}
		p := rc.await(t, approved, job.EventApproved)
		if p.DecidedBy != job.ActorAPIKey {
			t.Errorf("approved callback decided_by %q, want api_key", p.DecidedBy)
		}

		r = e.post("/api/jobs/"+rejected+"/reject", `{"reason":"bad\u0007"}`, e.live)
		if r.status != http.StatusBadRequest || pointers(r.json(t))["/reason"] == "" {
			t.Errorf("reject with a control character: %d %s, want 400 at /reason", r.status, r.body)
		}
		if r := e.post("/api/jobs/"+rejected+"/reject", `{"reason":"The logo is the old one."}`, e.live); r.status != http.StatusOK {
			t.Fatalf("reject: %d %s", r.status, r.body)
		}
		p = rc.await(t, rejected, job.EventRejected)
		if p.DecidedBy != job.ActorAPIKey || len(p.Errors) != 1 || p.Errors[0].Message != "The logo is the old one." {
			t.Errorf("rejected callback = %+v, want decided_by api_key with the reason", p)
		}

		if r := e.post("/api/jobs/"+cancelled+"/cancel", "", e.live); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		p = rc.await(t, cancelled, job.EventCancelled)
		if p.DecidedBy != job.ActorAPIKey || p.Status != "cancelled" {
			t.Errorf("cancelled callback = %+v, want decided_by api_key", p)
		}
		// The event log says the same as the callbacks.
		var events struct{ Data []callback.Payload }
		if err := json.Unmarshal(e.get("/api/jobs/"+rejected+"/events", e.live).body, &events); err != nil {
			t.Fatal(err)
		}
		if last := events.Data[len(events.Data)-1]; last.EventType != "rejected" || last.DecidedBy != "api_key" {
			t.Errorf("last event in the log = %+v", last)
		}
	})
}

// TestEventSubscriptionByAPI: a job's events at creation choose what is
// sent; an unsubscribed event is recorded, not sent; the tenant's choice
// applies to jobs without their own; typos are refused with a hint.
func TestEventSubscriptionByAPI(t *testing.T) {
	t.Parallel()
	e := setupWith(t, withCallbacks(callback.Schedule{0}))
	rc := newReceiver(t)

	r := e.post("/api/jobs", `{"externalId":"TYPO","events":["aproved","approved","approved"]}`, e.live)
	ptrs := pointers(r.json(t))
	if r.status != http.StatusBadRequest || !strings.Contains(ptrs["/events/0"], "did you mean approved?") || !strings.Contains(ptrs["/events/2"], "repeats") {
		t.Errorf("events with a typo and a repeat: %d %v", r.status, ptrs)
	}

	r = e.post("/api/jobs", `{"externalId":"ONLY-CANCEL","callbackURL":"`+rc.srv.URL+`","events":["cancelled"]}`, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	body := r.json(t)
	onlyCancel := body["id"].(string)
	if evs, _ := body["events"].([]any); len(evs) != 1 || evs[0] != "cancelled" {
		t.Errorf("job events = %v, want [cancelled]", body["events"])
	}
	if _, err := e.flow.Transition(t.Context(), workflow.Change{TenantID: e.tenantID, JobID: onlyCancel, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	e.post("/api/jobs/"+onlyCancel+"/cancel", "", e.live)
	rc.await(t, onlyCancel, job.EventCancelled)
	if got := rc.types(onlyCancel); !slices.Equal(got, []string{"cancelled"}) {
		t.Errorf("sent %v, want only cancelled", got)
	}
	var log struct{ Data []callback.Payload }
	if err := json.Unmarshal(e.get("/api/jobs/"+onlyCancel+"/events", e.live).body, &log); err != nil || len(log.Data) != 2 {
		t.Errorf("the event log has %d events (%v), want uploaded and cancelled both recorded", len(log.Data), err)
	}

	// The tenant chooses; a job without its own choice follows it.
	r = e.do("PATCH", "/api/callbacks/settings", `{"events":["uploaded"]}`, "Authorization", "Bearer "+e.live, "Content-Type", "application/json")
	if r.status != http.StatusOK || r.json(t)["default"] != false {
		t.Fatalf("choose events: %d %s", r.status, r.body)
	}
	follows := e.post("/api/jobs", `{"externalId":"FOLLOWS","callbackURL":"`+rc.srv.URL+`"}`, e.live).json(t)["id"].(string)
	if _, err := e.flow.Transition(t.Context(), workflow.Change{TenantID: e.tenantID, JobID: follows, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	e.post("/api/jobs/"+follows+"/cancel", "", e.live)
	rc.await(t, follows, job.EventUploaded)
	// The cancel is recorded before its delivery would be made; once
	// the job is cancelled, no delivery of it exists to wait for.
	ds, err := e.store.ListDeliveries(t.Context(), e.tenantID, follows)
	if err != nil || len(ds) != 1 {
		t.Errorf("deliveries %+v (%v), want only uploaded's", ds, err)
	}
	r = e.get("/api/callbacks/settings", e.live)
	if got := r.json(t)["events"].([]any); len(got) != 1 || got[0] != "uploaded" {
		t.Errorf("settings events = %v", got)
	}
}

// TestEventsArrayBounded: an events array longer than there are event
// types is one problem, not one per item.
func TestEventsArrayBounded(t *testing.T) {
	t.Parallel()
	e := setup(t)
	long := `"approved"` + strings.Repeat(`,"aproved"`, 5000)
	r := e.post("/api/jobs", `{"externalId":"LONG","events":[`+long+`]}`, e.live)
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", r.status)
	}
	errs, _ := r.json(t)["errors"].([]any)
	if len(errs) != 1 || !strings.Contains(pointers(r.json(t))["/events"], "at most") {
		t.Errorf("%d problems for a 5001-item array, want one at /events: %s", len(errs), clipString(string(r.body), 300))
	}
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
