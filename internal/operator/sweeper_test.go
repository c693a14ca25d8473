package operator

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/vault"
)

// TestSessionSweeper: a pass deletes expired sessions and keeps live ones.
func TestSessionSweeper(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	tn, _, err := vault.New(db).EnsureTenant(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(-24 * time.Hour) // a session made a day ago has expired
	a := &Accounts{Store: db, Now: func() time.Time { return now }}
	u, err := a.Create(t.Context(), NewParams{TenantID: tn.ID, Email: "ann@example.com", Role: store.RoleOperator, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{now, time.Now()} {
		now = at
		if _, _, err := a.StartSession(t.Context(), u, 12*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (n int) {
		if err := db.Writer().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	s := &SessionSweeper{Store: db, Logger: slog.New(slog.DiscardHandler)}
	s.sweep(t.Context())
	if n := count(); n != 1 {
		t.Errorf("%d sessions after sweeping, want the live one only", n)
	}
}
