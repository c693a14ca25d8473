// Package webhook signs and verifies the callbacks that Atomyx Submit sends.
//
// A receiver needs only Verifier (or the function Verify): it checks the
// X-Atomyx-Signature header against the raw request body and the
// X-Atomyx-Timestamp header with the tenant's signing secret, and returns an
// error that says exactly why a callback does not verify. Submit itself uses
// Sign to make those headers and, on the same request, the Standard Webhooks
// headers (webhook-id, webhook-timestamp, webhook-signature), so receivers may
// also use any Standard Webhooks library.
//
// The scheme, as the contract states it:
//
//	X-Atomyx-Timestamp: 2026-05-11T10:23:45Z   (RFC 3339, UTC: the exact string signed)
//	X-Atomyx-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw_body)>
//
// The HMAC key is the secret exactly as shown ("whsec_…", prefix included).
// While a secret is being rotated the header carries one sha256= entry per
// valid secret, separated by commas; a receiver accepts the callback when any
// entry matches a secret it knows.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a callback. Go's http.Header canonicalises them, so the
// Standard Webhooks ones appear as Webhook-Id and so on; HTTP header names
// are case-insensitive.
const (
	HeaderSignature = "X-Atomyx-Signature"
	HeaderTimestamp = "X-Atomyx-Timestamp"
	HeaderEvent     = "X-Atomyx-Event"
	HeaderDelivery  = "X-Atomyx-Delivery"
	HeaderAttempt   = "X-Atomyx-Attempt"

	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret.
const SecretPrefix = "whsec_"

// SignaturePrefix starts every entry of X-Atomyx-Signature.
const SignaturePrefix = "sha256="

// TimestampFormat is how X-Atomyx-Timestamp is written: RFC 3339 in UTC,
// whole seconds, as in 2026-05-11T10:23:45Z.
const TimestampFormat = "2006-01-02T15:04:05Z"

// NewSecret returns a new signing secret: "whsec_" followed by the standard
// base64 of 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("webhook: crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// FormatTimestamp writes t as X-Atomyx-Timestamp carries it.
func FormatTimestamp(t time.Time) string { return t.UTC().Format(TimestampFormat) }

// Signature returns one X-Atomyx-Signature entry, "sha256=" and the hex
// HMAC-SHA256 of timestamp + "." + body keyed with the secret's UTF-8 bytes.
func Signature(secret, timestamp string, body []byte) string {
	return SignaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Message is one callback to sign.
type Message struct {
	// ID identifies the delivery (del_…); it is the Standard Webhooks
	// webhook-id, the same on every attempt.
	ID string
	// Timestamp is when the attempt is signed. It is written in whole
	// seconds, so sub-second parts are dropped before signing.
	Timestamp time.Time
	// Body is the raw request body, exactly as it is sent.
	Body []byte
}

// Sign sets the signature headers of a callback on h: X-Atomyx-Timestamp,
// X-Atomyx-Signature and the Standard Webhooks webhook-id, webhook-timestamp
// and webhook-signature, with one signature per secret, in the order given
// (newest first, by convention). It fails when there is no secret or a secret
// is not "whsec_" followed by base64, because the Standard Webhooks key is
// the decoded base64 part.
func Sign(h http.Header, m Message, secrets []string) error {
	if len(secrets) == 0 {
		return errors.New("webhook: no signing secret: the tenant needs one (submit secret rotate --tenant NAME)")
	}
	ts := FormatTimestamp(m.Timestamp)
	unix := strconv.FormatInt(m.Timestamp.Unix(), 10)
	sigs := make([]string, len(secrets))
	std := make([]string, len(secrets))
	for i, s := range secrets {
		key, err := StandardKey(s)
		if err != nil {
			return err
		}
		sigs[i] = Signature(s, ts, m.Body)
		std[i] = standardSignature(key, m.ID, unix, m.Body)
	}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, strings.Join(sigs, ","))
	h.Set(HeaderWebhookID, m.ID)
	h.Set(HeaderWebhookTimestamp, unix)
	h.Set(HeaderWebhookSignature, strings.Join(std, " "))
	return nil
}

// StandardKey returns the Standard Webhooks key of a secret: its base64 part
// decoded. The error never contains the secret.
func StandardKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New(`webhook: a signing secret must start with "whsec_"`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) == 0 {
		return nil, errors.New(`webhook: a signing secret must be "whsec_" followed by standard base64`)
	}
	return key, nil
}

// standardSignature is one webhook-signature entry: "v1," and the base64
// HMAC-SHA256 of id + "." + unix timestamp + "." + body.
func standardSignature(key []byte, id, unix string, body []byte) string {
	h := hmac.New(sha256.New, key)
	fmt.Fprintf(h, "%s.%s.", id, unix)
	h.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil))
}
