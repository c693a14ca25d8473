package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/atomyx/submit/pkg/webhook"
)

// The code between the docs markers is shown verbatim in docs/callbacks.md;
// a test in internal/callback keeps the two equal.

// docs:begin receiver
// callbackHandler verifies a Submit callback, stores it once and answers 2xx
// quickly; the real work happens elsewhere, from the stored events.
func callbackHandler(verifier *webhook.Verifier, store func(eventID string, sequence int64, body []byte) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := verifier.VerifyRequest(r)
		if err != nil {
			log.Printf("callback refused: %v", err) // says which check failed
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		var ev struct {
			EventID  string `json:"event_id"`
			Sequence int64  `json:"sequence"`
		}
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		// Deduplicate on event_id: a retry delivers the same event again.
		if err := store(ev.EventID, ev.Sequence, body); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func main() {
	verifier := &webhook.Verifier{Secrets: []string{os.Getenv("ATOMYX_SIGNING_SECRET")}}
	http.Handle("POST /hooks/submit", callbackHandler(verifier, saveEvent))
	log.Fatal(http.ListenAndServe(":8000", nil))
}

// docs:end

func saveEvent(string, int64, []byte) error { return nil }

var _ = main // the docs' main, compiled but not run

// ExampleVerifier shows how each failure is told apart.
func ExampleVerifier() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAAAAAAAAAA="
	body := []byte(`{"event_id":"evt_1"}`)
	ts := "2026-05-11T10:23:45Z"
	sig := webhook.Signature(secret, ts, body)

	v := webhook.Verifier{Secrets: []string{secret}, Now: func() time.Time {
		return time.Date(2026, 5, 11, 10, 30, 0, 0, time.UTC)
	}}
	err := v.Verify(sig, ts, body)
	fmt.Println(errors.Is(err, webhook.ErrTooOld))
	err = v.Verify(sig, ts, append(body, '\n'))
	fmt.Println(errors.Is(err, webhook.ErrNoMatch))
	// Output:
	// true
	// true
}

// TestDocsReceiver runs the receiver shown in docs/callbacks.md.
func TestDocsReceiver(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	var stored []string
	h := callbackHandler(&webhook.Verifier{Secrets: []string{secret}}, func(eventID string, seq int64, _ []byte) error {
		stored = append(stored, fmt.Sprintf("%s#%d", eventID, seq))
		return nil
	})
	body := []byte(`{"event_id":"evt_1","sequence":3}`)
	signed := httptest.NewRequest(http.MethodPost, "/hooks/submit", bytes.NewReader(body))
	if err := webhook.Sign(signed.Header, webhook.Message{ID: "del_1", Timestamp: time.Now(), Body: body}, []string{secret}); err != nil {
		t.Fatal(err)
	}
	unsigned := httptest.NewRequest(http.MethodPost, "/hooks/submit", bytes.NewReader(body))
	for _, c := range []struct {
		r    *http.Request
		want int
	}{{signed, http.StatusNoContent}, {unsigned, http.StatusUnauthorized}} {
		rec := httptest.NewRecorder()
		h(rec, c.r)
		if rec.Code != c.want {
			t.Errorf("status %d, want %d", rec.Code, c.want)
		}
	}
	if len(stored) != 1 || stored[0] != "evt_1#3" {
		t.Errorf("stored %v, want the signed event once", stored)
	}
}
