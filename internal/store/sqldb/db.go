// Package sqldb implements store.Store once, on database/sql, for both
// databases Submit runs on. The store/sqlite and store/postgres packages open
// the connections and describe their differences in a small Dialect; the
// queries themselves are written once, in the SQL both databases share, with
// $N placeholders (SQLite binds $N to the Nth argument too).
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// Dialect is what differs between the databases, kept as small as possible so
// that every query stays shared.
type Dialect struct {
	// Name is "sqlite" or "postgres", for error messages.
	Name string
	// Migrations holds the numbered .sql files (migrations/0001_init.sql, …)
	// of the dialect, applied in name order.
	Migrations fs.FS
	// MigrationsTable is the DDL that creates schema_migrations if missing;
	// column types differ between the databases.
	MigrationsTable string
	// MigrateLock and MigrateUnlock, when set, run on the migrating
	// connection around all migrations so that two processes starting at
	// once do not both apply them (pg_advisory_lock). SQLite needs none: its
	// migrations run in BEGIN IMMEDIATE transactions, one writer at a time,
	// and each checks again whether it was applied.
	MigrateLock, MigrateUnlock string
	// ClaimLock ends the queries that pick pipeline work and logos to
	// claim (deliveries take ClaimDeliveriesLock instead). PostgreSQL
	// uses FOR UPDATE SKIP LOCKED so that concurrent claimers skip each
	// other's rows instead of waiting for them or taking them twice; SQLite
	// has a single writer, which already serialises claims.
	ClaimLock string
	// ClaimDeliveriesLock, when set, runs first in each claim of
	// deliveries and holds until it commits, so that claims from several
	// processes take turns: each then counts the leases per host that the
	// one before it took (pg_advisory_xact_lock). SQLite's single writer
	// serialises them already.
	ClaimDeliveriesLock string
	// Pipeline, when set, sends statements to the database in one round
	// trip, to run as one transaction, and reads their rows in order
	// (pgx's SendBatch: PostgreSQL runs what comes before one Sync as one
	// implicit transaction). On a busy machine each round trip costs a
	// wake-up of both the process and the database's backend, which is
	// what a claim of deliveries spent most of its time on. SQLite, in
	// process, has no round trips to save: without it the statements run
	// one after another in a transaction.
	Pipeline func(ctx context.Context, db *sql.DB, stmts []Statement) error
	// LockRows ends a subquery that locks the rows a write is about to
	// change, in its ORDER BY order ("FOR UPDATE"), so that two
	// transactions changing the same leased deliveries (a heartbeat's
	// renewal and a batch of recorded attempts) lock them in the same
	// order and cannot deadlock. SQLite's single writer needs none.
	LockRows string
	// Time encodes a time argument: a time.Time for PostgreSQL, fixed-width
	// RFC 3339 text for SQLite, whose text then sorts as the time does. It
	// gets a UTC time already truncated to the microsecond.
	Time func(time.Time) any
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(error) bool
	// GroupCommit lets concurrent write transactions share one commit
	// (see groupCommit). For SQLite, whose single writer makes the commit
	// the bottleneck; PostgreSQL commits in parallel on its own.
	GroupCommit bool
	// WritableCTE says that INSERTs may run inside WITH, so that a write
	// of rows in several tables can be one statement: atomic without BEGIN
	// and COMMIT, and one round trip instead of one per statement and two
	// more. PostgreSQL can; SQLite cannot, and gains nothing from it, its
	// writes being group-committed in process.
	WritableCTE bool
	// SharedLookups says that concurrent reads of API keys share one
	// statement (keyLookups): worth it where each statement is a round
	// trip to another process, as on PostgreSQL; SQLite reads in process.
	SharedLookups bool
	// AnnouncesChanges says that the database itself announces each
	// change of a job (PostgreSQL's trigger; see changes). False on
	// SQLite, where the one process publishes its own.
	AnnouncesChanges bool
	// TimeText wraps a time column so that it reads as SQLite stores
	// times (SQLiteTimeLayout), so that the dashboard's queries cut days
	// and hours out of it with substr in both databases.
	TimeText func(col string) string
	// JSONEach is the table function that lists a JSON array's elements
	// as rows with a value column: json_each, jsonb_array_elements.
	JSONEach string
}

// DB is a store.Store on database/sql. Writes and transactions go to the
// writer; plain reads go to the reader, which is a separate pool on SQLite
// (so that reads never wait for the single writer connection) and the same
// pool on PostgreSQL.
type DB struct {
	w, r *sql.DB
	d    Dialect
	gc   *groupCommit // nil unless the dialect asks for group commit
	jb   *jobBatch    // shared job inserts, where there is no group commit (PostgreSQL)
	kl   *keyLookups  // shared reads of API keys (SharedLookups)
	// changes are the job changes this process hears of (changes.go).
	changes changes
}

var _ store.Store = (*DB)(nil)

// New returns a DB on the given pools. It takes ownership of both: Close
// closes them. w and r may be the same pool.
func New(w, r *sql.DB, d Dialect) *DB {
	db := &DB{w: w, r: r, d: d}
	if d.GroupCommit {
		db.gc = newGroupCommit(w)
	} else if d.WritableCTE {
		db.jb = newJobBatch(db)
	}
	if d.SharedLookups {
		db.kl = newKeyLookups(db)
	}
	return db
}

// Writer returns the pool that writes, for dialect-specific code and tests.
func (db *DB) Writer() *sql.DB { return db.w }

// Reader returns the pool that reads, for dialect-specific code and tests.
func (db *DB) Reader() *sql.DB { return db.r }

// Close releases both pools.
func (db *DB) Close() error {
	if db.gc != nil {
		db.gc.close()
	}
	if db.jb != nil {
		db.jb.close()
	}
	if db.kl != nil {
		db.kl.close()
	}
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	if err != nil {
		return fmt.Errorf("close %s: %w", db.d.Name, err)
	}
	return nil
}

// Ping checks that the database answers, on the writer so that /readyz
// notices a database that can no longer be written.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", db.d.Name, err)
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx have in common, so that one helper
// reads inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows, so that one function scans a row of
// either.
type scanner interface{ Scan(dest ...any) error }

// Scanner is scanner for the dialects' packages: a Statement's Row reads
// its row from one (*sql.Rows here, pgx.Rows in store/postgres).
type Scanner = scanner

// inTx runs fn in a writer transaction and commits if fn returns nil. On
// SQLite the transaction begins IMMEDIATE (set in the DSN), so it holds the
// write lock from the start and never fails half-way on a lock upgrade.
//
// With group commit, fn may share the transaction with other callers, inside
// a savepoint of its own; it must then not commit or roll back itself.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.gc != nil {
		return db.gc.run(ctx, fn)
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error from fn is the one that matters
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// conflict maps a unique violation to store.ErrConflict, keeping the
// driver's message for logs.
func (db *DB) conflict(err error) error {
	if err != nil && db.d.IsUnique(err) {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// notFound maps sql.ErrNoRows to store.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// mustAffect returns store.ErrNotFound when res changed no row.
func mustAffect(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// params numbers placeholders for a query built in pieces, so that optional
// filters and IN lists need no hand-counted $N.
type params struct {
	args []any
}

// add appends an argument and returns its placeholder.
func (p *params) add(v any) string {
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args))
}

// list appends several arguments and returns their placeholders, comma
// separated, for an IN list or the VALUES of an INSERT.
func list[T any](p *params, vs []T) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = p.add(v)
	}
	return strings.Join(ph, ", ")
}

// list is list for strings: an IN list.
func (p *params) list(vs []string) string { return list(p, vs) }
