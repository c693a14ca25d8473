package sqlite

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/store"
)

// open returns a migrated store in a new file of the test's temporary
// directory.
func open(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "data", "submit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "nested", "dir", "submit.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := migrations.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, strings.TrimSuffix(e.Name(), ".sql"))
	}
	if len(want) < 5 || !slices.Equal(applied, want) {
		t.Fatalf("first Migrate applied %v, want every migration", applied)
	}
	if applied, err = db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("second Migrate applied %v, %v; want nothing", applied, err)
	}
	// Another process opening the same file finds it migrated.
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if applied, err = db2.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("Migrate on a second handle applied %v, %v; want nothing", applied, err)
	}
}

// TestPragmas checks the settings every connection must have: WAL, foreign
// keys and a busy timeout, and that the readers cannot write.
func TestPragmas(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := t.Context()
	for _, c := range []struct {
		pool   string
		pragma string
		want   string
	}{
		{"writer", "journal_mode", "wal"},
		{"writer", "foreign_keys", "1"},
		{"writer", "busy_timeout", "10000"},
		{"writer", "synchronous", "1"}, // NORMAL
		{"writer", "query_only", "0"},
		// Readers wait for locks as the writer does, and cannot write.
		{"reader", "journal_mode", "wal"},
		{"reader", "foreign_keys", "1"},
		{"reader", "busy_timeout", "10000"},
		{"reader", "query_only", "1"},
	} {
		pool := db.Writer()
		if c.pool == "reader" {
			pool = db.Reader()
		}
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s: PRAGMA %s = %s, want %s", c.pool, c.pragma, got, c.want)
		}
	}
	if _, err := db.Reader().ExecContext(ctx, `DELETE FROM tenants`); err == nil {
		t.Error("the read pool wrote")
	}
	if err := db.CreateTenant(ctx, store.Tenant{ID: "ten_x", Name: "x"}); err != nil {
		t.Fatal(err)
	}
	_, err := db.Writer().ExecContext(ctx, `INSERT INTO api_keys (id, tenant_id, lookup, hash, livemode, created_at)
		VALUES ('key_x', 'ten_missing', 'l', x'00', 0, '2026-01-01T00:00:00.000000Z')`)
	if err == nil {
		t.Error("a key of a missing tenant was inserted: foreign keys are off")
	}
}

func TestOpenRejectsURI(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "file:x.db", "x.db?mode=ro"} {
		if db, err := Open(t.Context(), p); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}
