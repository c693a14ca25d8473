package job

import (
	"errors"
	"slices"
	"testing"
)

// TestMoveAllPairs checks every (from, to) pair against the contract's
// statuses section, written out here independently of the transition table.
func TestMoveAllPairs(t *testing.T) {
	allowed := map[[2]Status]bool{
		{AwaitingUpload, Uploaded}:        true,
		{Uploaded, Preflighting}:          true,
		{Preflighting, PreflightPassed}:   true,
		{Preflighting, PreflightFailed}:   true,
		{PreflightPassed, ProofGenerated}: true,
		{ProofGenerated, Approved}:        true,
		{ProofGenerated, Rejected}:        true,
		{PreflightFailed, Uploaded}:       true, // a new version after a failed preflight
		{Rejected, Uploaded}:              true, // a new version after a rejection
		{AwaitingUpload, PreflightFailed}: true, // the artwork URL could not be fetched
	}
	for _, from := range Statuses {
		if !from.Final() {
			allowed[[2]Status{from, Cancelled}] = true
			allowed[[2]Status{from, Expired}] = true
		}
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			typ, err := Move(from, to)
			if want := allowed[[2]Status{from, to}]; want {
				if err != nil || typ != EventType(to) {
					t.Errorf("Move(%s, %s) = %q, %v; want event %s", from, to, typ, err, to)
				}
			} else if !errors.Is(err, ErrTransition) {
				t.Errorf("Move(%s, %s) = %q, %v; want ErrTransition", from, to, typ, err)
			}
		}
	}
}

func TestFinal(t *testing.T) {
	for _, s := range Statuses {
		want := s == Approved || s == Cancelled || s == Expired
		if s.Final() != want {
			t.Errorf("%s.Final() = %v", s, s.Final())
		}
		if s.Final() != (len(Next(s)) == 0) {
			t.Errorf("%s: final statuses and only they have no next status", s)
		}
	}
	_, err := Move(Approved, Cancelled)
	if err == nil || err.Error() != "transition not allowed: the job is approved, which is final" {
		t.Errorf("error for a final job = %v", err)
	}
}

func TestSentEvents(t *testing.T) {
	var got []EventType
	for _, typ := range EventTypes {
		if typ.Sent(nil, nil) {
			got = append(got, typ)
		}
	}
	want := []EventType{"uploaded", "preflighting", "preflight_passed", "preflight_failed", "proof_generated",
		"approved", "rejected", "cancelled", "expired", "proof_failed"}
	if !slices.Equal(got, want) {
		t.Errorf("events sent by default = %v, want the contract's seven, the three ends, and not updated: %v", got, want)
	}
	for _, s := range Statuses {
		if s != AwaitingUpload && !ValidEvent(EventType(s)) {
			t.Errorf("status %s has no event type", s)
		}
	}
	mine := []EventType{EventApproved, EventUpdated}
	if !EventUpdated.Sent(mine, nil) || EventUploaded.Sent(mine, nil) {
		t.Error("a job's own subscription is not followed")
	}
	if !EventRejected.Sent(nil, []EventType{EventRejected}) || EventApproved.Sent(nil, []EventType{EventRejected}) {
		t.Error("a tenant's subscription is not followed for a job without its own")
	}
	if EventApproved.Sent([]EventType{}, []EventType{EventApproved}) {
		t.Error("a job that chose no events still gets its tenant's")
	}
}

func TestUnknownStatus(t *testing.T) {
	if _, err := Move("shipped", Uploaded); !errors.Is(err, ErrTransition) {
		t.Errorf("unknown status accepted: %v", err)
	}
	if Status("shipped").Valid() {
		t.Error("shipped is not a status")
	}
}
