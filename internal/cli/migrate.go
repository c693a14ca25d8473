package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
)

// runMigrate applies pending migrations and exits. serve migrates at start
// too; this command lets a deployment do it as a separate step.
func runMigrate(ctx context.Context, args []string, env Env) int {
	cfg, _, err := dbFlags("migrate", args, env, nil)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return fail(env, "%v", err)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, nil))
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return fail(env, "%v", err)
	}
	defer st.Close()
	fmt.Fprintln(env.Stdout, "database is up to date")
	return 0
}
