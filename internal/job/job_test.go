package job

import (
	"testing"
	"time"
)

func TestProofGivenUp(t *testing.T) {
	at := time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		status Status
		gaveUp time.Time
		want   bool
	}{
		{PreflightPassed, at, true},
		{PreflightPassed, time.Time{}, false}, // the proof is on its way
		{PreflightFailed, at, false},          // preflight was given up: a status says so
		{AwaitingUpload, at, false},           // an artwork fetch was given up
	} {
		if got := (Job{Status: tt.status, WorkGaveUpAt: tt.gaveUp}).ProofGivenUp(); got != tt.want {
			t.Errorf("%s, given up at %v: ProofGivenUp = %v, want %v", tt.status, tt.gaveUp, got, tt.want)
		}
	}
}
