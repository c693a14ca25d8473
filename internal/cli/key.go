package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/vault"
)

// runKey handles `submit key create|list|revoke`.
func runKey(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "usage: submit key create|list|revoke --tenant NAME …")
		return 2
	}
	switch args[0] {
	case "create":
		return keyCreate(ctx, args[1:], env)
	case "list":
		return keyList(ctx, args[1:], env)
	case "revoke":
		return keyRevoke(ctx, args[1:], env)
	}
	fmt.Fprintf(env.Stderr, "submit key: unknown subcommand %q; use create, list or revoke\n", args[0])
	return 2
}

// tenantStore is what the tenant commands read themselves; they change
// things through the vault and the operator accounts.
type tenantStore interface {
	Close() error
	TenantByName(ctx context.Context, name string) (store.Tenant, error)
	ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error)
	ListUsers(ctx context.Context, tenantID string) ([]store.User, error)
	UserByEmail(ctx context.Context, email string) (store.User, error)
}

// tenantCommand opens the store for a command that acts on one tenant.
type tenantCommand struct {
	tenant   string
	store    tenantStore
	vault    *vault.Vault
	accounts *operator.Accounts
}

func openTenantCommand(ctx context.Context, name string, args []string, env Env, extra func(*flag.FlagSet)) (*tenantCommand, []string, int) {
	tc := &tenantCommand{}
	cfg, rest, err := dbFlags(name, args, env, func(fs *flag.FlagSet) {
		fs.StringVar(&tc.tenant, "tenant", "", "tenant name (required)")
		if extra != nil {
			extra(fs)
		}
	})
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0
		}
		return nil, nil, fail(env, "%v", err)
	}
	if tc.tenant == "" {
		return nil, nil, fail(env, "%s needs --tenant NAME", name)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, fail(env, "%v", err)
	}
	tc.store, tc.vault, tc.accounts = st, vault.New(st), operator.New(st)
	return tc, rest, -1
}

func keyCreate(ctx context.Context, args []string, env Env) int {
	var name, scopes string
	var test bool
	tc, _, code := openTenantCommand(ctx, "key create", args, env, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "a label for the key, such as the system that uses it")
		fs.BoolVar(&test, "test", false, "make a test key (sk_test_…): its jobs are test jobs")
		fs.StringVar(&scopes, "scopes", "", "comma-separated scopes (default all: "+strings.Join(apikey.AllScopes, ",")+")")
	})
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	sc, err := apikey.ParseScopes(scopes)
	if err != nil {
		return fail(env, "%v", err)
	}
	t, _, err := tc.vault.EnsureTenant(ctx, tc.tenant)
	if err != nil {
		return fail(env, "%v", err)
	}
	k, key, err := tc.vault.CreateKey(ctx, vault.KeyParams{TenantID: t.ID, Name: name, Livemode: !test, Scopes: sc})
	if err != nil {
		return fail(env, "%v", err)
	}
	tc.audit(ctx, t.ID, "key.create", k.ID, fmt.Sprintf("%q, %s", name, strings.Join(sc, " ")))
	fmt.Fprintln(env.Stdout, key) // the key alone, so that scripts can capture it
	return 0
}

func keyList(ctx context.Context, args []string, env Env) int {
	tc, _, code := openTenantCommand(ctx, "key list", args, env, nil)
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	t, err := tc.store.TenantByName(ctx, tc.tenant)
	if err != nil {
		return fail(env, "tenant %q: %v", tc.tenant, err)
	}
	keys, err := tc.store.ListAPIKeys(ctx, t.ID)
	if err != nil {
		return fail(env, "%v", err)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKEY\tNAME\tSCOPES\tCREATED\tLAST USED\tREVOKED")
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, apikey.Display(k.Livemode, k.Lookup), dash(k.Name),
			strings.Join(k.Scopes, ","), k.CreatedAt.UTC().Format(time.RFC3339), timeOrDash(k.LastUsedAt), timeOrDash(k.RevokedAt))
	}
	w.Flush()
	return 0
}

func keyRevoke(ctx context.Context, args []string, env Env) int {
	tc, rest, code := openTenantCommand(ctx, "key revoke", args, env, nil)
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	if len(rest) != 1 {
		return fail(env, "key revoke takes one key: its id (key_…) or its start as `key list` shows it (sk_live_…)")
	}
	t, err := tc.store.TenantByName(ctx, tc.tenant)
	if err != nil {
		return fail(env, "tenant %q: %v", tc.tenant, err)
	}
	k, err := tc.vault.RevokeKey(ctx, t.ID, rest[0])
	if err != nil {
		return fail(env, "revoke %s: %v", rest[0], err)
	}
	tc.audit(ctx, t.ID, "key.revoke", k.ID, apikey.Display(k.Livemode, k.Lookup))
	fmt.Fprintf(env.Stdout, "revoked %s (%s) at %s\n", k.ID, apikey.Display(k.Livemode, k.Lookup), k.RevokedAt.UTC().Format(time.RFC3339))
	return 0
}

// runSecret handles `submit secret show|rotate`.
func runSecret(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || (args[0] != "show" && args[0] != "rotate") {
		fmt.Fprintln(env.Stderr, "usage: submit secret show|rotate --tenant NAME")
		return 2
	}
	tc, _, code := openTenantCommand(ctx, "secret "+args[0], args[1:], env, nil)
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	t, err := tc.store.TenantByName(ctx, tc.tenant)
	if err != nil {
		return fail(env, "tenant %q: %v", tc.tenant, err)
	}
	var secret string
	if args[0] == "show" {
		secret, err = tc.vault.ActiveSecret(ctx, t.ID)
	} else {
		secret, err = tc.vault.RotateSecret(ctx, t.ID)
		if err == nil {
			tc.audit(ctx, t.ID, "secret.rotate", "signing secret", "")
		}
	}
	if err != nil {
		return fail(env, "%v", err)
	}
	fmt.Fprintln(env.Stdout, secret)
	return 0
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
