package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/sqlite"
)

// migrator is a store that can bring its schema up to date.
type migrator interface {
	store.Store
	Migrate(ctx context.Context) ([]string, error)
}

// openStore opens the database the config names and applies any pending
// migrations, so that every command sees the current schema.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	var (
		db  migrator
		err error
	)
	if cfg.Postgres() {
		db, err = postgres.Open(ctx, cfg.DatabaseURL, cfg.DBPool())
	} else {
		db, err = sqlite.Open(ctx, cfg.SQLitePath())
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	for _, m := range applied {
		log.Info("applied migration", slog.String("name", m))
	}
	return db, nil
}

// dbFlags parses a command's flags with the database flags included and
// returns the config and the remaining arguments.
func dbFlags(name string, args []string, env Env, extra func(fs *flag.FlagSet)) (*config.Config, []string, error) {
	var cfg config.Config
	fs := newFlagSet(name, env)
	cfg.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	return &cfg, fs.Args(), nil
}
