package storetest

import (
	"path/filepath"
	"testing"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/pgtest"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/sqlite"
)

// ForEach runs fn as parallel subtests named sqlite and postgres, each on a
// new, empty, migrated store: every test above the store that runs on both
// databases runs through it. The postgres subtest needs
// SUBMIT_TEST_DATABASE_URL: without it, it is skipped, or fails under CI
// (see package need).
func ForEach(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	for _, db := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{{"sqlite", SQLite}, {"postgres", Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			fn(t, db.open(t))
		})
	}
}

// SQLite returns a new, migrated SQLite store in the test's temporary
// directory, closed when the test ends.
func SQLite(t *testing.T) store.Store {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "submit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close the SQLite store: %v", err)
		}
	})
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Postgres returns a new, migrated PostgreSQL store in a schema of its own
// (pgtest.URL), closed when the test ends.
func Postgres(t *testing.T) store.Store {
	t.Helper()
	// Few idle connections: many tests' stores are open at once, on a
	// server that other test runs share.
	db, err := postgres.Open(t.Context(), pgtest.URL(t), postgres.Pool{IdleConns: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close the PostgreSQL store: %v", err)
		}
	})
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}
