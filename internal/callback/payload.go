// Package callback delivers workflow events to the ERP's callback URL: it
// builds the contract's body, signs it (pkg/webhook), sends it through the
// SSRF-safe client (internal/netguard) and retries on a schedule until a 2xx
// or the last attempt, after which the delivery is a workflow exception.
//
// Deliveries live in the store (an outbox): the transition that records an
// event also inserts its delivery, so an event is never lost between the two.
// The Worker claims due deliveries under a lease, so several processes can
// share the work and a crashed one's deliveries come back when its lease
// runs out.
package callback

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/atomyx/submit/internal/findingtext"
	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/pkg/webhook"
)

// EventPing is the event type of a test ping. It is not a workflow event:
// receivers should answer 2xx and ignore it.
const EventPing = "ping"

// Payload is the callback body. The field order is the contract's; encoding/
// json keeps it.
type Payload struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	OccurredAt string `json:"occurred_at"`
	// The next four are absent only in a ping, which is about no job.
	SessionID        string            `json:"session_id,omitempty"`
	OrderRef         string            `json:"order_ref,omitempty"`
	ArtworkVersionID string            `json:"artwork_version_id,omitempty"`
	Status           string            `json:"status,omitempty"`
	Sequence         int64             `json:"sequence"`
	Livemode         bool              `json:"livemode"`
	Files            map[string]string `json:"files"`
	Errors           []job.Finding     `json:"errors"`
	// Fixes are what Submit changed in the version's file that prints
	// (files.processed_pdf) as the event found them; empty when nothing
	// was changed (contract, Additions).
	Fixes []job.Fix `json:"fixes"`
	// DecidedBy says who decided an approval, rejection, cancel or
	// update: "customer", "api_key" or "operator" (contract, Additions).
	// Other events leave it out.
	DecidedBy string `json:"decided_by,omitempty"`
	// Changes names the fields an updated event changed.
	Changes []string `json:"changes,omitempty"`
	// Attempt is 1 or more in a callback; GET /api/jobs/{id}/events shows
	// the same body without it.
	Attempt int `json:"attempt,omitempty"`
}

// NewPayload is the body of attempt number attempt of event e, with files
// mapping each file kind that exists at the event ("processed_pdf", "proof",
// "preflight_report", "original_pdf") to its link. files, errors and fixes
// are never null in the JSON, so receivers need no null checks. The
// findings' messages are in the job's locale (English when it has none);
// their codes never change.
func NewPayload(e job.Event, attempt int, files map[string]string) Payload {
	if files == nil {
		files = map[string]string{}
	}
	errs := findingtext.Localize(e.Errors, i18n.Locale(e.Locale))
	if errs == nil {
		errs = []job.Finding{}
	}
	fixes := pdffix.Localize(e.Fixes, i18n.Locale(e.Locale))
	if fixes == nil {
		fixes = []job.Fix{}
	}
	return Payload{
		EventID: e.ID, EventType: string(e.Type), OccurredAt: webhook.FormatTimestamp(e.OccurredAt),
		SessionID: e.JobID, OrderRef: e.OrderRef, ArtworkVersionID: e.ArtworkVersionID,
		Status: string(e.Status), Sequence: e.Sequence, Livemode: e.Livemode,
		Files: files, Errors: errs, Fixes: fixes, DecidedBy: decidedBy(e), Changes: e.Changes, Attempt: attempt,
	}
}

// decidedBy is who decided a decision event, or an update (always an API
// key, for now); other events say nothing.
// Cancels recorded before events kept their author (migration 0008) could
// have come from the API or Manage, so they say nothing either.
func decidedBy(e job.Event) string {
	if !e.Type.Decision() && e.Type != job.EventUpdated {
		return ""
	}
	return e.Actor.Kind
}

// PingPayload is the body of a test ping delivery. Its event_id is derived
// from the delivery id, so every attempt of one ping carries the same one
// and receivers can deduplicate pings like events.
func PingPayload(d store.Delivery, attempt int) Payload {
	return Payload{
		EventID: pingEventID(d.ID), EventType: EventPing, OccurredAt: webhook.FormatTimestamp(d.CreatedAt),
		Livemode: d.Livemode, Files: map[string]string{}, Errors: []job.Finding{}, Fixes: []job.Fix{}, Attempt: attempt,
	}
}

func pingEventID(deliveryID string) string {
	_, rest, _ := strings.Cut(deliveryID, "_")
	return "evt_" + rest
}

// Body encodes a payload as it is sent and signed.
func (p Payload) Body() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode callback body of %s: %w", p.EventID, err)
	}
	return b, nil
}
