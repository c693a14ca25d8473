package pgtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestURLUsesOwnSchema checks that pgx sends search_path from the URL, that
// each call gets another schema, and that tables land in it.
func TestURLUsesOwnSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("two calls returned the same URL %s", a)
	}
	var schemas []string
	for _, dsn := range []string{a, b} {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var schema string
		if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(schema, "test_") {
			t.Fatalf("current_schema() = %q, want a test_ schema", schema)
		}
		if _, err := conn.Exec(ctx, "CREATE TABLE t (id int)"); err != nil {
			t.Fatalf("create a table in %s: %v", schema, err)
		}
		schemas = append(schemas, schema)
	}
	if schemas[0] == schemas[1] {
		t.Fatalf("both URLs use schema %s", schemas[0])
	}
}

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ base, want string }{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?search_path=s1&sslmode=disable"},
		{"postgresql://u@h/db", "postgresql://u@h/db?search_path=s1"},
		{"host=h dbname=db", "host=h dbname=db search_path=s1"},
	}
	for _, tt := range tests {
		if got := withSearchPath(t, tt.base, "s1"); got != tt.want {
			t.Errorf("withSearchPath(%q) = %q, want %q", tt.base, got, tt.want)
		}
	}
}
