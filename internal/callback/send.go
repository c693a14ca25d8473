package callback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/pkg/webhook"
)

// ExcerptSize is how much of a receiver's answer is kept with an attempt.
const ExcerptSize = 4096

// drainSize is how much more of an answer is read and thrown away, so that
// the connection can be reused; a longer answer closes it instead.
const drainSize = 64 << 10

// request is one attempt to send.
type request struct {
	url        string
	deliveryID string
	eventType  string
	attempt    int
	body       []byte
	secrets    []string
}

// Result is what one attempt produced. It holds nothing secret: no
// signature, no signing secret, no file link.
type Result struct {
	StartedAt time.Time
	Duration  time.Duration
	// StatusCode is the receiver's HTTP status, 0 when no answer came.
	StatusCode int
	// Response is the first ExcerptSize bytes of the answer's body, as
	// valid UTF-8.
	Response string
	// Error says why the attempt failed, in words for an operator; empty
	// when the receiver answered 2xx.
	Error string
	// RetryAfter is the receiver's Retry-After on 429 and 503, 0 otherwise.
	RetryAfter time.Duration
}

// OK reports whether the receiver accepted the callback.
func (r Result) OK() bool { return r.Error == "" }

// send makes one attempt. It never returns an error: every failure is
// described in the Result, because every failure is an attempt that counts.
func send(ctx context.Context, client *http.Client, version string, timeout time.Duration, q request) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r := Result{StartedAt: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.url, bytes.NewReader(q.body))
	if err != nil {
		r.Error = "the callback URL cannot be used: " + describeURLError(err)
		return r
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "AtomyxSubmit/"+version)
	h.Set(webhook.HeaderEvent, q.eventType)
	h.Set(webhook.HeaderDelivery, q.deliveryID)
	h.Set(webhook.HeaderAttempt, strconv.Itoa(q.attempt))
	if err := webhook.Sign(h, webhook.Message{ID: q.deliveryID, Timestamp: r.StartedAt, Body: q.body}, q.secrets); err != nil {
		r.Error = "not sent, cannot sign: " + err.Error()
		return r
	}
	resp, err := client.Do(req)
	if err != nil {
		r.Duration = time.Since(r.StartedAt)
		r.Error = describe(err, timeout)
		return r
	}
	defer resp.Body.Close()
	excerpt, err := io.ReadAll(io.LimitReader(resp.Body, ExcerptSize))
	_, _ = io.CopyN(io.Discard, resp.Body, drainSize)
	r.Duration = time.Since(r.StartedAt)
	r.StatusCode = resp.StatusCode
	r.Response = clean(excerpt)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		r.Error = fmt.Sprintf("the receiver answered %s, a redirect; callbacks do not follow redirects, so set the callback URL to the final address", resp.Status)
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		r.Error = fmt.Sprintf("the receiver answered %s; only 2xx counts as delivered", resp.Status)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			r.RetryAfter = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
	case err != nil:
		// The receiver said 2xx; a body cut short does not change that.
		r.Response += " [answer cut short: " + describe(err, timeout) + "]"
	}
	return r
}

// describe turns a client error into words for an operator. It leaves out
// the URL, which url.Error would repeat in full.
func describe(err error, timeout time.Duration) string {
	var refused *netguard.RefusedError
	var ne net.Error
	switch {
	case errors.As(err, &refused):
		return refused.Error()
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no response within %s; the receiver should answer 2xx at once and do slow work afterwards", timeout)
	case errors.Is(err, context.Canceled):
		return "cancelled: Submit was shutting down"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "could not reach the receiver: " + err.Error()
}

func describeURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// clean makes a receiver's bytes storable: valid UTF-8 without NUL, which
// PostgreSQL text refuses. Invalid bytes, such as a rune cut at the end of
// the excerpt, become U+FFFD.
func clean(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}
