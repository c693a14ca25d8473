// Package pgtest gives each test its own PostgreSQL schema, so that tests of
// every package run isolated and in parallel against the one database named
// by SUBMIT_TEST_DATABASE_URL. Where there is none the test is skipped, or
// fails under CI (see package need).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/atomyx/submit/internal/need"
)

// URL creates a fresh schema in the test database and returns a URL whose
// connections use it (search_path is sent as a runtime parameter when each
// connection starts). The schema and all in it are dropped when the test
// ends; close connections first (t.Cleanup runs last-registered first, so
// closing a store in a cleanup registered after URL is enough). Without
// SUBMIT_TEST_DATABASE_URL the test is skipped, or fails under CI.
func URL(t testing.TB) string {
	t.Helper()
	base := need.Postgres(t)
	schema := "test_" + randomHex(8)
	ident := pgx.Identifier{schema}.Sanitize()
	exec(t, base, "CREATE SCHEMA "+ident)
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+ident+" CASCADE") })
	return withSearchPath(t, base, schema)
}

// withSearchPath adds search_path to a URL or to a key=value DSN.
func withSearchPath(t testing.TB, base, schema string) string {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s is not a valid URL", need.DatabaseEnv)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// exec runs one statement on a connection of its own.
func exec(t testing.TB, dsn, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on the platforms Go supports
	return hex.EncodeToString(b)
}
