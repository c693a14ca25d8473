// Package postgres is Submit's store on PostgreSQL, for deployments where
// several `submit serve` processes share one database. It uses pgx through
// database/sql so that the queries are the ones store/sqldb shares with
// SQLite; what PostgreSQL adds is concurrency: deliveries are claimed with
// FOR UPDATE SKIP LOCKED and migrations run under an advisory lock.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pool sizes the connections of one process. A zero field takes its
// default.
//
// The pool keeps its connections: each one holds its own cache of prepared
// statements (pgx prepares every query on a connection once and then only
// binds and executes it), so a connection closed under load and opened
// again costs a new session and a new round of preparing. database/sql
// closes a returned connection whenever more than IdleConns are idle, which
// under bursty load means all the time; hence IdleConns defaults to
// MaxConns.
type Pool struct {
	// MaxConns is the most connections open at once. Default 20: enough
	// for the API and the workers of one process, few enough that several
	// processes fit under PostgreSQL's max_connections (100 by default).
	MaxConns int
	// IdleConns is how many connections stay open while not in use.
	// Default MaxConns.
	IdleConns int
	// MaxLifetime closes a connection this long after it was opened, so
	// that the server's per-session memory is returned now and then and a
	// database behind a proxy or a failover sees new sessions. Default 1h.
	MaxLifetime time.Duration
	// MaxIdleTime closes a connection unused this long. Default 0: never,
	// so that a burst after a quiet spell finds its connections warm.
	MaxIdleTime time.Duration
}

// Defaults of Pool.
const (
	DefaultMaxConns    = 20
	DefaultMaxLifetime = time.Hour
)

// withDefaults fills the zero fields.
func (p Pool) withDefaults() Pool {
	if p.MaxConns <= 0 {
		p.MaxConns = DefaultMaxConns
	}
	if p.IdleConns <= 0 || p.IdleConns > p.MaxConns {
		p.IdleConns = p.MaxConns
	}
	if p.MaxLifetime <= 0 {
		p.MaxLifetime = DefaultMaxLifetime
	}
	return p
}

// DB is the PostgreSQL store. Its methods, store.Store and Migrate, come
// from sqldb.DB.
type DB struct {
	*sqldb.DB
	cfg *pgx.ConnConfig // for the listener's connection

	// The listener starts with the first subscriber (the customer pages'
	// watcher in serve), so that other commands open no connection for it.
	startListener sync.Once
	stopListen    context.CancelFunc // nil when it never started
	listening     chan struct{}      // closed when it has stopped
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at dsn, a postgres:// URL or a key=value
// string as libpq takes them; runtime parameters such as search_path may be
// given in it, and so may pgx's own, such as default_query_exec_mode (exec
// or simple_protocol behind a pooler in transaction mode, which cannot keep
// prepared statements). It does not migrate: call Migrate before use.
func Open(ctx context.Context, dsn string, pool Pool) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return nil, errors.New("open postgres: the database URL is not valid")
	}
	pool = pool.withDefaults()
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pool.MaxConns)
	db.SetMaxIdleConns(pool.IdleConns)
	db.SetConnMaxLifetime(pool.MaxLifetime)
	db.SetConnMaxIdleTime(pool.MaxIdleTime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err)
	}
	return &DB{DB: sqldb.New(db, db, dialect()), cfg: cfg.Copy()}, nil
}

// SubscribeJobChanges is sqldb.DB's, and starts the listener that hears
// the changes every process makes (migration 0014's trigger announces
// them) when the first subscriber comes.
func (db *DB) SubscribeJobChanges(fn func(jobID string)) (cancel func()) {
	cancel = db.DB.SubscribeJobChanges(fn)
	db.startListener.Do(func() {
		ctx, stop := context.WithCancel(context.Background())
		db.stopListen, db.listening = stop, make(chan struct{})
		go db.listen(ctx)
	})
	return cancel
}

// notifyChannel is the channel the trigger announces job changes on, as
// the trigger names it: one per schema, as NOTIFY reaches every session of
// the database and tests give each database a schema of their own.
const notifyChannel = `SELECT left('submit_jobs_' || COALESCE(current_schema(), ''), 63)`

// listen keeps one connection of its own LISTENing on the channel and
// publishes each job id it hears (sqldb.DB.PublishJobChange), connecting
// again after a second when the connection breaks. What is announced
// while it reconnects is missed: subscribers poll now and then as well.
func (db *DB) listen(ctx context.Context) {
	defer close(db.listening)
	for ctx.Err() == nil {
		if err := db.listenOnce(ctx); err != nil && ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (db *DB) listenOnce(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, db.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var channel string
	if err := conn.QueryRow(ctx, notifyChannel).Scan(&channel); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		db.PublishJobChange(n.Payload)
	}
}

// Close stops the listener, if it started, and closes the pool.
func (db *DB) Close() error {
	db.startListener.Do(func() {}) // none starts after this
	if db.stopListen != nil {
		db.stopListen()
		<-db.listening
	}
	return db.DB.Close()
}

// migrateLockKey names the advisory lock of migrations per schema, so that
// processes migrating different schemas of one database (tests do) do not
// wait for each other.
const migrateLockKey = `hashtext('submit.migrate.' || COALESCE(current_schema(), ''))`

// dialect is what PostgreSQL does its own way.
func dialect() sqldb.Dialect {
	return sqldb.Dialect{
		Name:       "postgres",
		Migrations: migrations,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			name text PRIMARY KEY, applied_at timestamptz NOT NULL)`,
		MigrateLock:   `SELECT pg_advisory_lock(` + migrateLockKey + `)`,
		MigrateUnlock: `SELECT pg_advisory_unlock(` + migrateLockKey + `)`,
		ClaimLock:     `FOR UPDATE OF d SKIP LOCKED`,
		ClaimDeliveriesLock: `SELECT pg_advisory_xact_lock(hashtext('submit.claim_deliveries.' ||
			COALESCE(current_schema(), '')))`,
		LockRows:      `FOR UPDATE`,
		Pipeline:      pipeline,
		Time:          func(t time.Time) any { return t },
		IsUnique:      isUnique,
		WritableCTE:   true,
		SharedLookups: true,
		// Migration 0014's trigger announces each change of a job.
		AnnouncesChanges: true,
		TimeText: func(col string) string {
			return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
		},
		JSONEach: "jsonb_array_elements",
	}
}

func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" // unique_violation
}
