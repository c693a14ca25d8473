// Package job is the heart of Submit: a job's statuses, the transitions
// between them and the events each transition records. It knows neither HTTP
// nor SQL; the workflow package applies it and the store persists it.
package job

import (
	"errors"
	"fmt"
	"slices"
)

// Status is where a job stands. The values are API: they appear in job
// objects, callback bodies and list filters.
type Status string

// The statuses of the contract, in the order a job usually passes them.
const (
	AwaitingUpload  Status = "awaiting_upload"
	Uploaded        Status = "uploaded"
	Preflighting    Status = "preflighting"
	PreflightPassed Status = "preflight_passed"
	PreflightFailed Status = "preflight_failed"
	ProofGenerated  Status = "proof_generated"
	Approved        Status = "approved"
	Rejected        Status = "rejected"
	Cancelled       Status = "cancelled"
	Expired         Status = "expired"
)

// Statuses lists every status, for validation and documentation.
var Statuses = []Status{
	AwaitingUpload, Uploaded, Preflighting, PreflightPassed, PreflightFailed,
	ProofGenerated, Approved, Rejected, Cancelled, Expired,
}

// Valid reports whether s is one of the contract's statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Final reports whether nothing can happen to a job in this status any more.
func (s Status) Final() bool { return s == Approved || s == Cancelled || s == Expired }

// EventType names what happened. Every transition records exactly one event,
// and an event's type is the status it led to: the seeds name callbacks
// after the status they announce, and a receiver never has to map one onto
// the other. Two events leave the status as it is and are outcomes instead:
// proof_failed (the proof could not be made; the job stays
// preflight_passed until an operator has it made again) and updated (the
// ERP changed the job).
type EventType string

// The event types. The seed's seven come first and keep their meaning; the
// rest were added on 2026-12-02 (CONTRACT.md, Additions).
const (
	EventUploaded        = EventType(Uploaded)
	EventPreflighting    = EventType(Preflighting)
	EventPreflightPassed = EventType(PreflightPassed)
	EventPreflightFailed = EventType(PreflightFailed)
	EventProofGenerated  = EventType(ProofGenerated)
	EventApproved        = EventType(Approved)
	EventRejected        = EventType(Rejected)
	EventCancelled       = EventType(Cancelled)
	EventExpired         = EventType(Expired)
	EventProofFailed     = EventType("proof_failed")
	EventUpdated         = EventType("updated")
)

// EventTypes lists every event type a subscription may name, in the order
// documentation shows them.
var EventTypes = []EventType{
	EventUploaded, EventPreflighting, EventPreflightPassed, EventPreflightFailed,
	EventProofGenerated, EventApproved, EventRejected, EventCancelled, EventExpired,
	EventProofFailed, EventUpdated,
}

// DefaultEvents are the events sent when neither the job nor its tenant
// chose: every end and every step of a job, that is all but updated. An
// update is the ERP's own doing, so it is sent only to an ERP that asks for
// it (contract: "updated, not sent as a callback unless subscribed").
var DefaultEvents = EventTypes[:len(EventTypes)-1]

// ValidEvent reports whether t is an event type a subscription may name.
func ValidEvent(t EventType) bool { return slices.Contains(EventTypes, t) }

// Sent reports whether an event of type t goes to the callback URL under a
// subscription: the job's own list when it chose one, else its tenant's,
// else DefaultEvents. An event that is not sent is still recorded, and GET
// /api/jobs/{id}/events lists it.
func (t EventType) Sent(jobEvents, tenantEvents []EventType) bool {
	switch {
	case jobEvents != nil:
		return slices.Contains(jobEvents, t)
	case tenantEvents != nil:
		return slices.Contains(tenantEvents, t)
	}
	return slices.Contains(DefaultEvents, t)
}

// Decision reports whether an event records someone's decision, and so
// says who decided (decided_by): an approval, a rejection, a cancel.
func (t EventType) Decision() bool {
	return t == EventApproved || t == EventRejected || t == EventCancelled
}

// transitions is the whole state machine: for each status, the statuses it may
// move to. A new artwork version may be uploaded while waiting for one, after
// a failed preflight and after a rejection.
//
// One edge goes beyond the contract's list: awaiting_upload to
// preflight_failed, taken when the artwork URL given at creation cannot be
// fetched. The ERP then gets a preflight_failed callback whose errors say
// ARTWORK_FETCH_FAILED, instead of a job that waits for ever, and the
// customer can still upload a file (preflight_failed to uploaded).
var transitions = map[Status][]Status{
	AwaitingUpload:  {Uploaded, PreflightFailed, Cancelled, Expired},
	Uploaded:        {Preflighting, Cancelled, Expired},
	Preflighting:    {PreflightPassed, PreflightFailed, Cancelled, Expired},
	PreflightPassed: {ProofGenerated, Cancelled, Expired},
	PreflightFailed: {Uploaded, Cancelled, Expired},
	ProofGenerated:  {Approved, Rejected, Cancelled, Expired},
	Rejected:        {Uploaded, Cancelled, Expired},
	Approved:        nil,
	Cancelled:       nil,
	Expired:         nil,
}

// ErrTransition is wrapped by every refused transition, so callers can map it
// to a conflict without parsing text.
var ErrTransition = errors.New("transition not allowed")

// CanMove reports whether a job in status from may move to status to.
func CanMove(from, to Status) bool { return slices.Contains(transitions[from], to) }

// Move checks one transition and returns the event type it records. The error
// says, in words an integrator can act on, why the move is refused.
func Move(from, to Status) (EventType, error) {
	if !from.Valid() || !to.Valid() {
		return "", fmt.Errorf("%w: unknown status %q or %q", ErrTransition, from, to)
	}
	if CanMove(from, to) {
		return EventType(to), nil
	}
	if from.Final() {
		return "", fmt.Errorf("%w: the job is %s, which is final", ErrTransition, from)
	}
	return "", fmt.Errorf("%w: a job that is %s cannot become %s", ErrTransition, from, to)
}

// Next lists the statuses a job in status s may move to, for documentation
// and for pages that decide which actions to offer.
func Next(s Status) []Status { return slices.Clone(transitions[s]) }

// Record checks that an outcome event (one that keeps the status) may be
// recorded for a job in status s: proof_failed only while the proof is
// awaited, updated only while the job is not final.
func Record(s Status, t EventType) error {
	switch {
	case t == EventProofFailed && s == PreflightPassed:
		return nil
	case t == EventUpdated && s.Valid() && !s.Final():
		return nil
	case t == EventUpdated && s.Final():
		return fmt.Errorf("%w: the job is %s, which is final", ErrTransition, s)
	}
	return fmt.Errorf("%w: %s cannot be recorded for a job that is %s", ErrTransition, t, s)
}
