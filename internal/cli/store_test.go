package cli

import (
	"context"
	"database/sql"
	"flag"
	"io"
	"log/slog"
	"testing"

	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/store/pgtest"
	"github.com/atomyx/submit/internal/store/postgres"
)

// TestPoolSettingsReachThePool: serve's pool settings, given as flags and
// in the environment, size the connections of the store serve opens.
func TestPoolSettingsReachThePool(t *testing.T) {
	t.Parallel()
	var cfg config.Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.ServeFlags(fs)
	env := map[string]string{"SUBMIT_DATABASE_URL": pgtest.URL(t), "SUBMIT_DB_IDLE_CONNS": "2"}
	if err := config.Parse(fs, []string{"--data-dir", t.TempDir(), "--db-max-conns", "5"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, &cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, ok := st.(*postgres.DB)
	if !ok {
		t.Fatalf("serve opened a %T, want the PostgreSQL store", st)
	}
	// Hold every connection the pool may open, then give them back: two
	// stay open.
	var conns []*sql.Conn
	for range 5 {
		c, err := db.Writer().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	if s := db.Writer().Stats(); s.MaxOpenConnections != 5 || s.Idle != 2 || s.OpenConnections != 2 {
		t.Errorf("pool: max open %d, open %d, idle %d; want 5, 2, 2", s.MaxOpenConnections, s.OpenConnections, s.Idle)
	}
}
