package webhook_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/pkg/webhook"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Known answers computed with Python's hmac module, so the scheme is pinned
// by something other than this package.
const (
	kaSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAAAAAAAAAAA="
	kaTS     = "2026-05-11T10:23:45Z"
	kaBody   = `{"event_id":"evt_1"}`
	kaSig    = "sha256=3a2a0f0bee184fbe93557dadfe60d2d59afcc724180e92b7477273cde3ab9efe"
	kaStd    = "v1,c0tgB1rZ0pgVvfGgl5YgPBcOMQwOzeXSKRPplsJvNY4="
)

var kaTime = time.Date(2026, 5, 11, 10, 23, 45, 0, time.UTC)

func TestSignKnownAnswer(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	err := webhook.Sign(h, webhook.Message{ID: "del_1", Timestamp: kaTime.Add(300 * time.Millisecond), Body: []byte(kaBody)}, []string{kaSecret})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		webhook.HeaderTimestamp:        kaTS,
		webhook.HeaderSignature:        kaSig,
		webhook.HeaderWebhookID:        "del_1",
		webhook.HeaderWebhookTimestamp: "1778495025",
		webhook.HeaderWebhookSignature: kaStd,
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestSignRotationVerifiesWithEitherSecret(t *testing.T) {
	t.Parallel()
	oldS, newS := webhook.NewSecret(), webhook.NewSecret()
	now := time.Now()
	body := []byte(`{"event_type":"uploaded"}`)
	h := http.Header{}
	if err := webhook.Sign(h, webhook.Message{ID: "del_x", Timestamp: now, Body: body}, []string{newS, oldS}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(h.Get(webhook.HeaderSignature), "sha256="); n != 2 {
		t.Fatalf("signature header has %d entries, want 2: %s", n, h.Get(webhook.HeaderSignature))
	}
	for _, s := range []string{oldS, newS} {
		if err := webhook.Verify(s, h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), body); err != nil {
			t.Errorf("Verify with one of the rotated secrets: %v", err)
		}
		// The official Standard Webhooks library is an independent receiver.
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Errorf("standard webhooks Verify: %v", err)
		}
	}
	if err := webhook.Verify(webhook.NewSecret(), h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), body); !errors.Is(err, webhook.ErrNoMatch) {
		t.Errorf("Verify with an unrelated secret = %v, want ErrNoMatch", err)
	}
}

func TestSignRefusesBadSecrets(t *testing.T) {
	t.Parallel()
	for _, secrets := range [][]string{nil, {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, {"whsec_not base64!"}} {
		if err := webhook.Sign(http.Header{}, webhook.Message{ID: "del_1", Timestamp: kaTime}, secrets); err == nil {
			t.Errorf("Sign with secrets %q succeeded, want an error", secrets)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	other := webhook.Signature(kaSecret, kaTS, []byte(kaBody+"\n"))
	tests := []struct {
		name      string
		secrets   []string
		sig, ts   string
		body      string
		now       time.Time
		tolerance time.Duration
		want      error
	}{
		{"valid", []string{kaSecret}, kaSig, kaTS, kaBody, kaTime, 0, nil},
		{"valid among other entries", []string{kaSecret}, other + ", " + kaSig + ",v2=abc", kaTS, kaBody, kaTime, 0, nil},
		{"second secret matches", []string{webhook.NewSecret(), kaSecret}, kaSig, kaTS, kaBody, kaTime, 0, nil},
		{"just within tolerance", []string{kaSecret}, kaSig, kaTS, kaBody, kaTime.Add(5 * time.Minute), 0, nil},
		{"tolerance off", []string{kaSecret}, kaSig, kaTS, kaBody, kaTime.Add(48 * time.Hour), -1, nil},
		{"no secret", nil, kaSig, kaTS, kaBody, kaTime, 0, webhook.ErrNoSecret},
		{"no signature", []string{kaSecret}, "", kaTS, kaBody, kaTime, 0, webhook.ErrNoSignature},
		{"no timestamp", []string{kaSecret}, kaSig, " ", kaBody, kaTime, 0, webhook.ErrNoTimestamp},
		{"unix timestamp", []string{kaSecret}, kaSig, "1778495025", kaBody, kaTime, 0, webhook.ErrMalformedTimestamp},
		{"bare hex", []string{kaSecret}, strings.TrimPrefix(kaSig, "sha256="), kaTS, kaBody, kaTime, 0, webhook.ErrMalformedSignature},
		{"short hex", []string{kaSecret}, kaSig[:40], kaTS, kaBody, kaTime, 0, webhook.ErrMalformedSignature},
		{"only other schemes", []string{kaSecret}, "v1=abc", kaTS, kaBody, kaTime, 0, webhook.ErrMalformedSignature},
		{"body changed", []string{kaSecret}, kaSig, kaTS, kaBody + "\n", kaTime, 0, webhook.ErrNoMatch},
		{"timestamp rewritten", []string{kaSecret}, kaSig, "2026-05-11T10:23:45+00:00", kaBody, kaTime, 0, webhook.ErrNoMatch},
		{"secret without prefix", []string{strings.TrimPrefix(kaSecret, "whsec_")}, kaSig, kaTS, kaBody, kaTime, 0, webhook.ErrNoMatch},
		{"too old", []string{kaSecret}, kaSig, kaTS, kaBody, kaTime.Add(5*time.Minute + time.Second), 0, webhook.ErrTooOld},
		{"too old for a short tolerance", []string{kaSecret}, kaSig, kaTS, kaBody, kaTime.Add(time.Minute), 30 * time.Second, webhook.ErrTooOld},
		{"in the future", []string{kaSecret}, kaSig, kaTS, kaBody, kaTime.Add(-6 * time.Minute), 0, webhook.ErrInFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := webhook.Verifier{Secrets: tt.secrets, Tolerance: tt.tolerance, Now: func() time.Time { return tt.now }}
			err := v.Verify(tt.sig, tt.ts, []byte(tt.body))
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			// Each failure wraps exactly one of the sentinels, so that a
			// receiver can switch on them.
			for _, other := range sentinels {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("Verify = %v, which also is %v", err, other)
				}
			}
			if err != nil && strings.Contains(err.Error(), kaSecret[6:]) {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
}

func TestVerifyRequest(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	body := []byte(`{"event_type":"approved"}`)
	r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(string(body)))
	if err := webhook.Sign(r.Header, webhook.Message{ID: "del_1", Timestamp: time.Now(), Body: body}, []string{secret}); err != nil {
		t.Fatal(err)
	}
	v := webhook.Verifier{Secrets: []string{secret}}
	got, err := v.VerifyRequest(r)
	if err != nil {
		t.Fatalf("VerifyRequest: %v", err)
	}
	if string(got) != string(body) {
		t.Errorf("body = %q, want %q", got, body)
	}

	big := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(strings.Repeat("x", webhook.MaxBodySize+1)))
	big.Header = r.Header
	if _, err := v.VerifyRequest(big); err == nil {
		t.Error("VerifyRequest accepted a body over MaxBodySize")
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a, "whsec_"))
	if !strings.HasPrefix(a, "whsec_") || err != nil || len(raw) != 32 {
		t.Fatalf("secret %q is not whsec_ + base64 of 32 bytes (err %v)", a, err)
	}
}

// sentinels are Verify's errors; a failure is exactly one of them.
var sentinels = []error{webhook.ErrNoSignature, webhook.ErrNoTimestamp, webhook.ErrMalformedSignature,
	webhook.ErrMalformedTimestamp, webhook.ErrNoMatch, webhook.ErrTooOld, webhook.ErrInFuture, webhook.ErrNoSecret}
