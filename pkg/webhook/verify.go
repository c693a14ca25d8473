package webhook

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultTolerance is how far a callback's timestamp may be from the
// receiver's clock, either way, before Verify refuses it as a replay.
const DefaultTolerance = 5 * time.Minute

// MaxBodySize is the largest body VerifyRequest reads. Callback bodies are a
// few kilobytes; anything much larger is not from Submit.
const MaxBodySize = 1 << 20

// The ways verification fails. Verify wraps exactly one of them with the
// details of the case; test with errors.Is.
var (
	// ErrNoSignature: the X-Atomyx-Signature header is missing or empty.
	ErrNoSignature = errors.New("no X-Atomyx-Signature header: the request was not signed by Submit, or a proxy dropped the header")
	// ErrNoTimestamp: the X-Atomyx-Timestamp header is missing or empty.
	ErrNoTimestamp = errors.New("no X-Atomyx-Timestamp header: the request was not sent by Submit, or a proxy dropped the header")
	// ErrMalformedSignature: the signature header is not a comma-separated
	// list of sha256=<64 hex digits>.
	ErrMalformedSignature = errors.New("malformed X-Atomyx-Signature header: expected sha256=<64 hex digits>, comma-separated during a secret rotation")
	// ErrMalformedTimestamp: the timestamp header is not RFC 3339.
	ErrMalformedTimestamp = errors.New("malformed X-Atomyx-Timestamp header: expected RFC 3339 such as 2026-05-11T10:23:45Z")
	// ErrNoMatch: no signature matches any secret: wrong secret, or the body
	// or timestamp is not byte for byte what was signed.
	ErrNoMatch = errors.New("no signature matches: use the tenant's current signing secret (whsec_…, prefix included) and the raw request body exactly as received, before any JSON parsing")
	// ErrTooOld: the signature matches but the timestamp is older than the
	// tolerance.
	ErrTooOld = errors.New("timestamp too old: the callback may be a replay; if it is not, check this machine's clock")
	// ErrInFuture: the signature matches but the timestamp is further in the
	// future than the tolerance.
	ErrInFuture = errors.New("timestamp in the future: check this machine's clock (NTP)")
	// ErrNoSecret: the Verifier was given no secret to check with.
	ErrNoSecret = errors.New("no signing secret configured: copy it from Manage → Vault, or run `submit secret show --tenant NAME`")
)

// Verifier checks callbacks. The zero value has no secret and refuses
// everything with ErrNoSecret.
type Verifier struct {
	// Secrets are the signing secrets the receiver accepts, as shown by
	// Submit ("whsec_…"). Keep the old one next to the new one while a
	// rotation is under way.
	Secrets []string
	// Tolerance is how far the timestamp may be from Now, either way.
	// Zero means DefaultTolerance; a negative value turns the check off,
	// for checking a callback captured earlier, never in a receiver.
	Tolerance time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks one callback with one secret and DefaultTolerance:
// signature is the X-Atomyx-Signature header, timestamp the
// X-Atomyx-Timestamp header and body the raw request body.
func Verify(secret, signature, timestamp string, body []byte) error {
	v := Verifier{Secrets: []string{secret}}
	return v.Verify(signature, timestamp, body)
}

// Verify checks a callback: signature is the X-Atomyx-Signature header,
// timestamp the X-Atomyx-Timestamp header and body the raw request body.
// The signature is checked before the timestamp, so that ErrTooOld and
// ErrInFuture are only returned for a genuine callback.
func (v *Verifier) Verify(signature, timestamp string, body []byte) error {
	if len(v.Secrets) == 0 || v.Secrets[0] == "" {
		return fmt.Errorf("webhook: %w", ErrNoSecret)
	}
	if strings.TrimSpace(signature) == "" {
		return fmt.Errorf("webhook: %w", ErrNoSignature)
	}
	if strings.TrimSpace(timestamp) == "" {
		return fmt.Errorf("webhook: %w", ErrNoTimestamp)
	}
	at, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return fmt.Errorf("webhook: %w; got %q", ErrMalformedTimestamp, clip(timestamp))
	}
	sigs, err := ParseSignatures(signature)
	if err != nil {
		return err
	}
	if !v.matches(sigs, timestamp, body) {
		return fmt.Errorf("webhook: %w (%d signature(s), %d secret(s), %d-byte body)", ErrNoMatch, len(sigs), len(v.Secrets), len(body))
	}
	return v.checkAge(at)
}

func (v *Verifier) matches(sigs [][]byte, timestamp string, body []byte) bool {
	for _, secret := range v.Secrets {
		want := mac(secret, timestamp, body)
		for _, got := range sigs {
			if hmac.Equal(got, want) {
				return true
			}
		}
	}
	return false
}

func (v *Verifier) checkAge(at time.Time) error {
	tol := v.Tolerance
	if tol < 0 {
		return nil
	}
	if tol == 0 {
		tol = DefaultTolerance
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	switch age := now.Sub(at); {
	case age > tol:
		return fmt.Errorf("webhook: %w (signed %s ago, tolerance %s)", ErrTooOld, age.Round(time.Second), tol)
	case -age > tol:
		return fmt.Errorf("webhook: %w (signed %s ahead of this clock, tolerance %s)", ErrInFuture, (-age).Round(time.Second), tol)
	}
	return nil
}

// ParseSignatures parses an X-Atomyx-Signature header into the raw HMACs of
// its sha256= entries. Entries of other schemes (name=value) are skipped, so
// that Submit may add a scheme later without breaking receivers; a header
// without any sha256 entry is malformed.
func ParseSignatures(header string) ([][]byte, error) {
	var out [][]byte
	for entry := range strings.SplitSeq(header, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		scheme, value, ok := strings.Cut(entry, "=")
		if !ok {
			return nil, fmt.Errorf("webhook: %w; entry %q has no scheme (did you strip the sha256= prefix?)", ErrMalformedSignature, clip(entry))
		}
		if scheme != "sha256" {
			continue
		}
		b, err := hex.DecodeString(value)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("webhook: %w; entry %q is not 64 hex digits", ErrMalformedSignature, clip(entry))
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("webhook: %w; got %q", ErrMalformedSignature, clip(header))
	}
	return out, nil
}

// VerifyRequest reads r's body (at most MaxBodySize bytes), checks it against
// r's X-Atomyx-Signature and X-Atomyx-Timestamp headers and returns it, so
// that the handler parses exactly the bytes that were verified.
func (v *Verifier) VerifyRequest(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("webhook: read body: %w", err)
	}
	if len(body) > MaxBodySize {
		return nil, fmt.Errorf("webhook: body larger than %d bytes: not a Submit callback", MaxBodySize)
	}
	return body, v.Verify(r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp), body)
}

// clip shortens attacker-supplied text quoted in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
