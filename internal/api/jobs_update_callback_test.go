package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// hookReceiver is a real callback receiver on loopback: it answers every
// request with status, after hold is closed when hold is set, and passes
// each body on.
type hookReceiver struct {
	url     string
	arrived chan map[string]any
	mu      sync.Mutex
	n       int
}

func newHookReceiver(t *testing.T, status int, hold <-chan struct{}) *hookReceiver {
	t.Helper()
	h := &hookReceiver{arrived: make(chan map[string]any, 16)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		h.mu.Lock()
		h.n++
		h.mu.Unlock()
		h.arrived <- body
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/hook"
	return h
}

// count is how many requests the receiver got.
func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}

// next waits for the receiver's next request body.
func (h *hookReceiver) next(t *testing.T, what string) map[string]any {
	t.Helper()
	select {
	case b := <-h.arrived:
		return b
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing arrived at %s within 10 s", what, h.url)
		return nil
	}
}

// createHooked creates a job through the API whose callbacks go to url
// ("" for the tenant's default).
func createHooked(t *testing.T, e *env, externalID, url string) string {
	t.Helper()
	body := `{"externalId":"` + externalID + `"}`
	if url != "" {
		body = `{"externalId":"` + externalID + `","callbackURL":"` + url + `"}`
	}
	r := e.post("/api/jobs", body, e.live)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.json(t)["id"].(string)
}

// deliveriesOf is the job's deliveries in the store.
func deliveriesOf(t *testing.T, e *env, jobID string) []store.Delivery {
	t.Helper()
	ds, err := e.store.ListDeliveries(t.Context(), e.tenantID, jobID)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestPatchedURLGetsTheRedelivery: a callback fails at a wrong URL until
// it is an exception; the ERP corrects the job's callbackURL; redelivery
// sends the event to the new URL. The updated event itself is recorded
// but not sent: it is not in the default subscription.
func TestPatchedURLGetsTheRedelivery(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, db store.Store) {
		e := start(t, db, withCallbacks(callback.Schedule{0, 10 * time.Millisecond}))
		wrong := newHookReceiver(t, http.StatusNotFound, nil)
		right := newHookReceiver(t, http.StatusNoContent, nil)
		id := createHooked(t, e, "WRONG-URL", wrong.url)
		walk(t, e, id, job.Uploaded)
		exception := waitException(t, e, wrong.url)

		if r := e.patch(id, `{"callbackURL":"`+right.url+`"}`, e.live); r.status != http.StatusOK {
			t.Fatalf("patch: %d %s", r.status, r.body)
		}
		if ds := deliveriesOf(t, e, id); len(ds) != 1 || ds[0].URL != wrong.url {
			t.Fatalf("deliveries after the patch %+v: want only the failed one, still showing where it failed", ds)
		}
		r := e.post("/api/deliveries/"+exception+"/redeliver", "", e.live)
		if r.status != http.StatusOK || r.json(t)["url"] != right.url {
			t.Fatalf("redeliver: %d %s, want it pending to %s", r.status, r.body, right.url)
		}
		got := right.next(t, "the redelivered event")
		if got["event_type"] != "uploaded" || got["session_id"] != id {
			t.Errorf("the new URL got %v, want the job's uploaded event", got)
		}
		waitFor(t, "the redelivery to be recorded", func() bool {
			ds := deliveriesOf(t, e, id)
			return len(ds) == 1 && ds[0].State == store.DeliveryDelivered
		})
		if n := wrong.count(); n != 2 {
			t.Errorf("the wrong URL got %d requests, want the 2 attempts before the patch", n)
		}
	})
}

// TestPendingRetryFollowsTheURL: while the first attempt of a delivery is
// at the wrong URL, the callback URL changes (by PATCH of the job, or in
// the tenant's settings for a job without its own); the retry goes to the
// new URL.
func TestPendingRetryFollowsTheURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		own    bool // the job has its own URL, changed by PATCH
		change func(t *testing.T, e *env, jobID, url string)
	}{
		{"PATCH of the job", true, func(t *testing.T, e *env, jobID, url string) {
			if r := e.patch(jobID, `{"callbackURL":"`+url+`"}`, e.live); r.status != http.StatusOK {
				t.Fatalf("patch: %d %s", r.status, r.body)
			}
		}},
		{"the tenant's default", false, func(t *testing.T, e *env, jobID, url string) {
			if err := e.vault.UpdateSettings(t.Context(), e.tenantID, store.TenantSettings{CallbackURL: url}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setupWith(t, withCallbacks(callback.Schedule{0, 10 * time.Millisecond, 10 * time.Millisecond}))
			release := make(chan struct{})
			wrong := newHookReceiver(t, http.StatusInternalServerError, release)
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
			})
			right := newHookReceiver(t, http.StatusOK, nil)
			own := ""
			if tc.own {
				own = wrong.url
			} else if err := e.vault.UpdateSettings(t.Context(), e.tenantID, store.TenantSettings{CallbackURL: wrong.url}); err != nil {
				t.Fatal(err)
			}
			id := createHooked(t, e, "RETRY", own)
			walk(t, e, id, job.Uploaded)
			wrong.next(t, "the first attempt")

			tc.change(t, e, id, right.url) // while the first attempt is under way
			if ds := deliveriesOf(t, e, id); len(ds) != 1 || ds[0].URL != right.url || ds[0].State != store.DeliveryPending {
				t.Fatalf("after the change the delivery is %+v, want pending to %s", ds, right.url)
			}
			close(release) // the first attempt fails

			got := right.next(t, "the retry")
			if got["event_type"] != "uploaded" || got["attempt"] != float64(2) {
				t.Errorf("the new URL got %v, want attempt 2 of the uploaded event", got)
			}
			waitFor(t, "the retry to be recorded", func() bool {
				ds := deliveriesOf(t, e, id)
				return len(ds) == 1 && ds[0].State == store.DeliveryDelivered && ds[0].Attempts == 2
			})
			if n := wrong.count(); n != 1 {
				t.Errorf("the wrong URL got %d requests, want only the first attempt", n)
			}
		})
	}
}

// TestUpdatedEventSentWhenSubscribed: a tenant subscribed to updated gets
// each update as a callback, with its changes and who made them, at the
// job's URL after the update.
func TestUpdatedEventSentWhenSubscribed(t *testing.T) {
	t.Parallel()
	e := setupWith(t, withCallbacks(callback.Schedule{0}))
	first := newHookReceiver(t, http.StatusNoContent, nil)
	second := newHookReceiver(t, http.StatusNoContent, nil)
	events := append(slices.Clone(job.DefaultEvents), job.EventUpdated)
	if err := e.vault.UpdateSettings(t.Context(), e.tenantID, store.TenantSettings{CallbackURL: first.url, Events: events}); err != nil {
		t.Fatal(err)
	}
	id := createHooked(t, e, "SUBSCRIBED", "")
	if r := e.patch(id, `{"metadata":[{"propertyId":"qty","propertyName":"Quantity","value":"750"}]}`, e.live); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	got := first.next(t, "the updated event")
	if got["event_type"] != "updated" || got["decided_by"] != "api_key" || got["session_id"] != id ||
		got["status"] != "awaiting_upload" || got["sequence"] != float64(1) || !slices.Equal(toStrings(got["changes"]), []string{"metadata"}) {
		t.Errorf("updated callback = %v", got)
	}
	if r := e.patch(id, `{"callbackURL":"`+second.url+`"}`, e.live); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	got = second.next(t, "the update of the URL, at the new URL")
	if got["event_type"] != "updated" || !slices.Equal(toStrings(got["changes"]), []string{"callbackURL"}) {
		t.Errorf("updated callback = %v", got)
	}
}

// TestUpdatedEventNotSentByDefault: without a subscription, an update is
// recorded (GET /api/jobs/{id}/events lists it) and no delivery is made.
func TestUpdatedEventNotSentByDefault(t *testing.T) {
	t.Parallel()
	e := setup(t)
	id := createHooked(t, e, "UNSUBSCRIBED", "https://erp.example.com/hooks/submit")
	if r := e.patch(id, `{"brand":{"color":"#123456"}}`, e.live); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	evs, _ := e.get("/api/jobs/"+id+"/events", e.live).json(t)["data"].([]any)
	if len(evs) != 1 || sub(evs[0], "event_type") != "updated" {
		t.Errorf("events = %v, want the updated event", evs)
	}
	if ds := deliveriesOf(t, e, id); len(ds) != 0 {
		t.Errorf("an update without subscription made deliveries: %+v", ds)
	}
}

// TestRetryAllFollowsChangedURL: Manage's "Retry all" for a failing URL
// sends each exception to its job's URL as it is now: a job corrected
// since goes to its new URL, the others to the old one again.
func TestRetryAllFollowsChangedURL(t *testing.T) {
	t.Parallel()
	e := setupWith(t, withCallbacks(callback.Schedule{0}))
	wrong := newHookReceiver(t, http.StatusGone, nil)
	right := newHookReceiver(t, http.StatusNoContent, nil)
	fixed := createHooked(t, e, "FIXED", wrong.url)
	left := createHooked(t, e, "LEFT", wrong.url)
	walk(t, e, fixed, job.Uploaded)
	walk(t, e, left, job.Uploaded)
	waitFor(t, "both deliveries to fail", func() bool {
		ds, err := e.store.ListExceptions(t.Context(), store.ListExceptionsParams{TenantID: e.tenantID, Livemode: true, URL: wrong.url})
		return err == nil && len(ds) == 2
	})
	if r := e.patch(fixed, `{"callbackURL":"`+right.url+`"}`, e.live); r.status != http.StatusOK {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	n, err := e.flow.RetryAll(t.Context(), workflow.RetryAllParams{TenantID: e.tenantID, Livemode: true, URL: wrong.url})
	if err != nil || n != 2 {
		t.Fatalf("RetryAll: %d, %v; want 2", n, err)
	}
	if got := right.next(t, "the corrected job's event"); got["session_id"] != fixed {
		t.Errorf("the new URL got %v, want the corrected job's event", got)
	}
	waitFor(t, "the other job's event to fail again at the old URL", func() bool {
		ds := deliveriesOf(t, e, left)
		return len(ds) == 1 && ds[0].State == store.DeliveryFailed && ds[0].Attempts == 2
	})
	if ds := deliveriesOf(t, e, left); ds[0].URL != wrong.url {
		t.Errorf("the uncorrected job's delivery went to %s", ds[0].URL)
	}
	if ds := deliveriesOf(t, e, fixed); len(ds) != 1 || ds[0].URL != right.url {
		t.Errorf("the corrected job's deliveries: %+v", ds)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
