package sqldb

import (
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/job"
)

// TestFinalStatuses: the literal list of final statuses in queries follows
// the state machine.
func TestFinalStatuses(t *testing.T) {
	var want []string
	for _, s := range job.Statuses {
		if s.Final() {
			want = append(want, "'"+string(s)+"'")
		}
	}
	if got := strings.Join(want, ", "); got != finalStatuses {
		t.Fatalf("finalStatuses = %s, the state machine says %s", finalStatuses, got)
	}
}
