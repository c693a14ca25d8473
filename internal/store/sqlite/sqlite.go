// Package sqlite is Submit's embedded store: one SQLite file, no server,
// pure Go (modernc.org/sqlite). It is what `submit serve` uses with no
// database URL.
//
// SQLite allows one writer at a time, so the store keeps exactly one writer
// connection, whose transactions begin IMMEDIATE (they take the write lock
// at BEGIN and never fail later on a lock upgrade), and a separate pool of
// read-only connections that WAL mode lets read while the writer writes.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for a lock before failing with
// SQLITE_BUSY: long enough for any of Submit's transactions to finish, and
// it matters for other processes (the CLI) writing the same file.
const busyTimeout = 10 * time.Second

// DB is the SQLite store. Its methods, store.Store and Migrate, come from
// sqldb.DB, but for the rate limit's counts (ratelimit.go).
type DB struct {
	*sqldb.DB
	rates rateCounts
}

var _ store.Store = (*DB)(nil)

// Open opens (and creates, with its parent directories) the database file
// at path. It does not migrate: call Migrate before use.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open sqlite: %q is not a plain file path", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	common := fmt.Sprintf("%s?_busy_timeout=%d&_foreign_keys=1", path, busyTimeout.Milliseconds())
	// journal_mode=WAL is a property of the file, so setting it on the
	// writer, opened and pinged first, is enough; synchronous=NORMAL is safe
	// in WAL mode (a crash may lose the last commits, never corrupt) and
	// saves an fsync per commit.
	drv := &sqlite.Driver{}
	w := sql.OpenDB(connector{dsn: common + "&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate", drv: drv})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r := sql.OpenDB(connector{dsn: common + "&_query_only=1", drv: drv})
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &DB{DB: sqldb.New(w, r, dialect())}, nil
}

// dialect is what SQLite does its own way.
func dialect() sqldb.Dialect {
	return sqldb.Dialect{
		Name:       "sqlite",
		Migrations: migrations,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		name TEXT PRIMARY KEY, applied_at TEXT NOT NULL) STRICT`,
		Time:        func(t time.Time) any { return t.Format(sqldb.SQLiteTimeLayout) },
		IsUnique:    isUnique,
		GroupCommit: true,
		TimeText:    func(col string) string { return col },
		JSONEach:    "json_each",
	}
}

func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
