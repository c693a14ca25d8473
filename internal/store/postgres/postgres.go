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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pool sizes: enough for the API and the workers of one process, few enough
// that several processes fit under PostgreSQL's default of 100 connections.
const (
	maxOpenConns = 20
	maxIdleConns = 5
)

// DB is the PostgreSQL store. Its methods, store.Store and Migrate, come
// from sqldb.DB.
type DB struct {
	*sqldb.DB
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at dsn, a postgres:// URL or a key=value
// string as libpq takes them; runtime parameters such as search_path may be
// given in it. It does not migrate: call Migrate before use.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return nil, errors.New("open postgres: the database URL is not valid")
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(maxOpenConns)
	pool.SetMaxIdleConns(maxIdleConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s@%s/%s: %w", cfg.User, cfg.Host, cfg.Database, err)
	}
	return &DB{sqldb.New(pool, pool, dialect())}, nil
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
		Time:          func(t time.Time) any { return t },
		IsUnique:      isUnique,
	}
}

func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" // unique_violation
}
