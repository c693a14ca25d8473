package operator_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/operator"
)

// TestSessionSweeper: a pass deletes expired sessions and keeps live ones.
func TestSessionSweeper(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user(t, "ann@example.com")
	for _, at := range []time.Time{time.Now().Add(-24 * time.Hour), time.Now()} { // a session made a day ago has expired
		f.now = at
		if _, _, err := f.accounts.StartSession(t.Context(), u, 12*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		if err := f.db.Writer().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	s := &operator.SessionSweeper{Store: f.db, Logger: slog.New(slog.DiscardHandler)}
	operator.Sweep(s, t.Context())
	if n := count(); n != 1 {
		t.Errorf("%d sessions after sweeping, want the live one only", n)
	}
}
