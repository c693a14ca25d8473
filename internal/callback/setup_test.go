package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/pkg/webhook"
)

// tenant is a tenant with its signing secret.
type tenant struct {
	ID     string
	Secret string
}

func newTenant(t *testing.T, st store.Store) tenant {
	t.Helper()
	now := time.Now().UTC()
	tn := store.Tenant{ID: id.NewAt(id.Tenant, now), Name: "printer-" + id.Token(6), CreatedAt: now}
	if err := st.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	secret := webhook.NewSecret()
	err := st.RotateSigningSecret(t.Context(), store.RotateSecretParams{
		New: store.SigningSecret{ID: id.NewAt(id.Secret, now), TenantID: tn.ID, Secret: secret, CreatedAt: now},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tenant{ID: tn.ID, Secret: secret}
}

// newJob creates a job of the tenant that sends its callbacks to url.
func newJob(t *testing.T, st store.Store, tenantID, url string) store.Job {
	t.Helper()
	now := time.Now().UTC()
	j := store.Job{
		ID: id.NewAt(id.Job, now), TenantID: tenantID, Livemode: true, ExternalID: "ORDER-" + id.Token(4),
		Status: job.AwaitingUpload, CallbackURL: url, UploadToken: id.Token(24),
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if err := st.CreateJob(t.Context(), store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	return j
}

// move records the job's next event with a delivery to its callback URL, as
// the workflow does, and returns the event and the delivery id.
func move(t *testing.T, st store.Store, j store.Job, to job.Status, attempts int) (job.Event, string) {
	t.Helper()
	now := time.Now().UTC()
	deliveryID := id.NewAt(id.Delivery, now)
	ev, err := st.TransitionJob(t.Context(), store.TransitionParams{
		TenantID: j.TenantID, JobID: j.ID, From: job.Statuses,
		Event: job.Event{
			ID: id.NewAt(id.Event, now), JobID: j.ID, TenantID: j.TenantID, Livemode: j.Livemode,
			Type: job.EventType(to), Status: to, OrderRef: j.ExternalID, ArtworkVersionID: "av_1",
			Files: map[string]string{"proof": "blob/key"}, OccurredAt: now,
		},
		CallbackURL: j.CallbackURL, DeliveryID: deliveryID, Attempts: attempts,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev, deliveryID
}

// received is one request a receiver got.
type received struct {
	Header  http.Header
	Body    []byte
	Payload Payload
}

// receiver is a callback receiver on loopback. answer decides the response
// to the n-th request (from 1) of a delivery.
type receiver struct {
	URL    string
	mu     sync.Mutex
	got    []received
	counts map[string]int
	answer func(w http.ResponseWriter, r *http.Request, n int)
}

func newReceiver(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	t.Helper()
	rc := &receiver{counts: map[string]int{}, answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(srv.Close)
	rc.URL = srv.URL + "/hooks/submit"
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p Payload
	_ = json.Unmarshal(body, &p)
	rc.mu.Lock()
	rc.got = append(rc.got, received{Header: r.Header.Clone(), Body: body, Payload: p})
	del := r.Header.Get(webhook.HeaderDelivery)
	rc.counts[del]++
	n := rc.counts[del]
	rc.mu.Unlock()
	rc.answer(w, r, n)
}

// requests returns a copy of what the receiver got so far.
func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func ok(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(http.StatusNoContent) }

// testConfig is a worker configuration for tests: insecure URLs (the
// receiver is on loopback), a fast schedule and no polling, so that only
// the worker's own wake-ups (Notify, due retries, ended leases) move it.
func testConfig(st store.Store, logs io.Writer) Config {
	return Config{
		Store:        st,
		Client:       netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: time.Second}),
		Schedule:     Schedule{0, 50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond},
		Files:        func(e job.Event) map[string]string { return fileLinks(e) },
		Version:      "test",
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		PollInterval: time.Hour,
		Timeout:      time.Second,
	}
}

// fileLinks makes secret-looking links, so tests can check they are never
// logged.
func fileLinks(e job.Event) map[string]string {
	out := map[string]string{}
	for kind := range e.Files {
		out[kind] = "https://files.example/" + kind + "/tok_SECRETFILETOKEN"
	}
	return out
}

// startWorker starts a worker and stops it when the test ends.
func startWorker(t *testing.T, cfg Config) *Worker {
	t.Helper()
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return w
}

// waitFor polls cond until it holds; the deadline only keeps a broken
// worker from hanging the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// delivery reads a delivery, failing the test on error.
func delivery(t *testing.T, st store.Store, tenantID, deliveryID string) store.Delivery {
	t.Helper()
	d, err := st.Delivery(context.Background(), tenantID, deliveryID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// syncBuffer is a log sink safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
