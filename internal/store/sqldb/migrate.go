package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// migration is one numbered .sql file.
type migration struct {
	name string // file name without .sql: "0001_init"
	sql  string
}

// Migrate applies the dialect's migrations that are not applied yet, each
// in its own transaction, and returns the names of those it applied now:
// empty when the schema is up to date.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := loadMigrations(db.d.Migrations)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", db.d.Name, err)
	}
	// One connection for the whole run: an advisory lock belongs to the
	// session that took it.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate %s: %w", db.d.Name, err)
	}
	defer conn.Close()
	if db.d.MigrateLock != "" {
		if _, err := conn.ExecContext(ctx, db.d.MigrateLock); err != nil {
			return nil, fmt.Errorf("migrate %s: lock: %w", db.d.Name, err)
		}
		defer func() {
			// A fresh context: the caller's may be done, and a lock left
			// behind would block every later start until the session ends.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, _ = conn.ExecContext(ctx, db.d.MigrateUnlock)
		}()
	}
	if _, err := conn.ExecContext(ctx, db.d.MigrationsTable); err != nil {
		return nil, fmt.Errorf("migrate %s: create schema_migrations: %w", db.d.Name, err)
	}
	applied := []string{}
	for _, m := range ms {
		done, err := db.apply(ctx, conn, m)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %s: %w", db.d.Name, m.name, err)
		}
		if done {
			applied = append(applied, m.name)
		}
	}
	if slices.Contains(applied, "0015_delivery_hosts") {
		if err := db.fillDeliveryHosts(ctx, conn); err != nil {
			return applied, fmt.Errorf("migrate %s: %w", db.d.Name, err)
		}
	}
	return applied, nil
}

// fillDeliveryHosts gives the pending deliveries made before migration
// 0015 their host (store.HostKey of their URL), which SQL cannot work out
// the way Go does. It runs once, with the migration: every later write
// sets the host.
func (db *DB) fillDeliveryHosts(ctx context.Context, conn *sql.Conn) error {
	type row struct{ id, url string }
	rows, err := queryAll(ctx, conn, func(r scanner) (row, error) {
		var x row
		return x, r.Scan(&x.id, &x.url)
	}, `SELECT id, url FROM deliveries WHERE host = '' AND state = 'pending'`)
	if err != nil {
		return fmt.Errorf("read deliveries without a host: %w", err)
	}
	for _, x := range rows {
		if _, err := conn.ExecContext(ctx, `UPDATE deliveries SET host = $1 WHERE id = $2`,
			store.HostKey(x.url), x.id); err != nil {
			return fmt.Errorf("set the host of delivery %s: %w", x.id, err)
		}
	}
	return nil
}

// apply runs one migration in a transaction unless it is recorded already,
// checking inside the transaction so that a concurrent migrator that got
// there first is noticed.
func (db *DB) apply(ctx context.Context, conn *sql.Conn, m migration) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations WHERE name = $1`, m.name).Scan(&one)
	switch {
	case err == nil:
		return false, nil
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`,
		m.name, db.t(time.Now())); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

// loadMigrations reads migrations/*.sql from fsys in name order. Names must
// start with a number so that the order is the order they were written in.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	slices.Sort(names)
	ms := make([]migration, 0, len(names))
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		if base == "" || base[0] < '0' || base[0] > '9' {
			return nil, fmt.Errorf("migration %s: name must start with its number", n)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{name: base, sql: string(b)})
	}
	return ms, nil
}
