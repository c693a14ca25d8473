package callback

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/pkg/webhook"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// TestWorkerDelivers sends a job's events to a healthy receiver and checks
// every request against the contract, with Submit's verifier and with the
// official Standard Webhooks library as an independent receiver.
func TestWorkerDelivers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		rc := newReceiver(t, ok)
		tn := newTenant(t, st)
		logs := &syncBuffer{}
		w := startWorker(t, testConfig(st, logs))
		j := newJob(t, st, tn.ID, rc.URL)
		var ids []string
		for _, to := range []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed} {
			_, del := move(t, st, j, to, 4)
			ids = append(ids, del)
			w.Notify()
		}
		waitFor(t, "three deliveries", func() bool { return len(rc.requests()) >= 3 })
		for i, del := range ids {
			waitFor(t, "delivered state", func() bool { return delivery(t, st, tn.ID, del).State == store.DeliveryDelivered })
			r := rc.requests()[i]
			checkRequest(t, r, tn.Secret, del, 1)
			if r.Payload.Sequence != int64(i+1) {
				t.Errorf("request %d has sequence %d: a job's events must first be attempted in order", i, r.Payload.Sequence)
			}
			if got := r.Payload.Files["proof"]; !strings.HasPrefix(got, "https://files.example/") {
				t.Errorf("files.proof = %q, want the link made by Config.Files", got)
			}
		}
		if strings.Contains(logs.String(), "SECRETFILETOKEN") || strings.Contains(logs.String(), tn.Secret) ||
			strings.Contains(logs.String(), "sha256=") || strings.Contains(logs.String(), "/hooks/submit") {
			t.Errorf("logs reveal a secret, a signature, a file link or the URL path:\n%s", logs)
		}
	})
}

// checkRequest checks one request's headers, body and signatures.
func checkRequest(t *testing.T, r received, secret, deliveryID string, attempt int) {
	t.Helper()
	h := r.Header
	want := map[string]string{
		"Content-Type":          "application/json",
		"User-Agent":            "AtomyxSubmit/test",
		webhook.HeaderEvent:     r.Payload.EventType,
		webhook.HeaderDelivery:  deliveryID,
		webhook.HeaderAttempt:   strconv.Itoa(attempt),
		webhook.HeaderWebhookID: deliveryID,
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if r.Payload.Attempt != attempt || r.Payload.EventID == "" || r.Payload.OccurredAt == "" {
		t.Errorf("payload %+v: want attempt %d with event_id and occurred_at", r.Payload, attempt)
	}
	if err := webhook.Verify(secret, h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), r.Body); err != nil {
		t.Errorf("X-Atomyx-Signature does not verify: %v", err)
	}
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(r.Body, h); err != nil {
		t.Errorf("Standard Webhooks signature does not verify: %v", err)
	}
}

// TestWorkerRetriesUntilDelivered has receivers fail the first attempts, by
// status, redirect or by hanging past the timeout: the event still arrives,
// with the same delivery id and the attempt counting up.
func TestWorkerRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, n int)
		status int    // of the failed attempts, 0 for none
		error  string // in the failed attempts' error
	}{
		{"500 twice", func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 2 {
				http.Error(w, "database down", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
		}, 500, "500 Internal Server Error"},
		{"429 with Retry-After", func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 2 {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			w.WriteHeader(http.StatusAccepted)
		}, 429, "429 Too Many Requests"},
		{"redirect twice", func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 2 {
				http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
				return
			}
			w.WriteHeader(http.StatusOK)
		}, 301, "redirect"},
		{"hangs past the timeout twice", func(w http.ResponseWriter, r *http.Request, n int) {
			if n <= 2 {
				<-r.Context().Done() // the client gives up after Config.Timeout
				return
			}
			w.WriteHeader(http.StatusOK)
		}, 0, "no response within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			storetest.ForEach(t, func(t *testing.T, st store.Store) {
				rc := newReceiver(t, tt.answer)
				tn := newTenant(t, st)
				cfg := testConfig(st, &syncBuffer{})
				cfg.Timeout = 300 * time.Millisecond
				w := startWorker(t, cfg)
				_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 4)
				w.Notify()
				waitFor(t, "delivery", func() bool { return delivery(t, st, tn.ID, del).State == store.DeliveryDelivered })
				reqs := rc.requests()
				if len(reqs) != 3 {
					t.Fatalf("receiver got %d requests, want 3", len(reqs))
				}
				for i, r := range reqs {
					checkRequest(t, r, tn.Secret, del, i+1)
				}
				as, err := st.ListAttempts(context.Background(), del)
				if err != nil {
					t.Fatal(err)
				}
				if len(as) != 3 {
					t.Fatalf("%d attempts recorded, want 3", len(as))
				}
				for _, a := range as[:2] {
					if a.StatusCode != tt.status || !strings.Contains(a.Error, tt.error) {
						t.Errorf("failed attempt %d: status %d, error %q; want %d and %q", a.Number, a.StatusCode, a.Error, tt.status, tt.error)
					}
				}
				if last := as[2]; last.Error != "" || last.StatusCode/100 != 2 || last.Number != 3 {
					t.Errorf("last attempt %+v, want number 3 with a 2xx and no error", last)
				}
			})
		})
	}
}

// TestWorkerGivesUp checks that a receiver that always fails gets every
// attempt of the schedule and then exactly one workflow exception per
// delivery, and that the answer's excerpt is kept.
func TestWorkerGivesUp(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		long := strings.Repeat("x", 10000)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "3600") // honoured only within the schedule
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, long)
		})
		tn := newTenant(t, st)
		cfg := testConfig(st, &syncBuffer{})
		w := startWorker(t, cfg)
		attempts := cfg.Schedule.Attempts()
		var ids []string
		for range 2 {
			_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, attempts)
			ids = append(ids, del)
		}
		w.Notify()
		for _, del := range ids {
			waitFor(t, "failure", func() bool { return delivery(t, st, tn.ID, del).State == store.DeliveryFailed })
			as, err := st.ListAttempts(context.Background(), del)
			if err != nil {
				t.Fatal(err)
			}
			if len(as) != attempts {
				t.Errorf("%d attempts, want %d", len(as), attempts)
			}
			for _, a := range as {
				if a.StatusCode != 503 || len(a.Response) != ExcerptSize {
					t.Errorf("attempt %d: status %d with a %d-byte excerpt, want 503 and %d bytes", a.Number, a.StatusCode, len(a.Response), ExcerptSize)
				}
			}
		}
		ex, err := st.ListExceptions(context.Background(), store.ListExceptionsParams{TenantID: tn.ID, Livemode: true, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, d := range ex {
			got = append(got, d.ID)
		}
		slices.Sort(got)
		slices.Sort(ids)
		if !slices.Equal(got, ids) {
			t.Errorf("exceptions %v, want exactly the deliveries %v", got, ids)
		}
		if n := len(rc.requests()); n != 2*attempts {
			t.Errorf("receiver got %d requests, want %d", n, 2*attempts)
		}
	})
}
