package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/manage"
	"github.com/atomyx/submit/internal/store"
)

// runUser handles `submit user create|list`: the operators who sign in to
// Manage. The first admin of a tenant can only be made here.
func runUser(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		fmt.Fprintln(env.Stderr, "usage: submit user create --tenant NAME --email E --role admin|operator  (password on standard input)\n"+
			"       submit user list --tenant NAME")
		return 2
	}
	if args[0] == "list" {
		return userList(ctx, args[1:], env)
	}
	return userCreate(ctx, args[1:], env)
}

func userCreate(ctx context.Context, args []string, env Env) int {
	var email, role string
	tc, _, code := openTenantCommand(ctx, "user create", args, env, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the operator's email, with which they sign in (required)")
		fs.StringVar(&role, "role", store.RoleOperator, "admin (keys, secret, settings, operators) or operator (jobs and exceptions)")
	})
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	ops, ok := tc.store.(store.OperatorStore)
	if !ok {
		return fail(env, "this database cannot keep operators")
	}
	if email == "" {
		return fail(env, "user create needs --email")
	}
	pw, err := readPassword(env)
	if err != nil {
		return fail(env, "%v", err)
	}
	t, created, err := tc.vault.EnsureTenant(ctx, tc.tenant)
	if err != nil {
		return fail(env, "%v", err)
	}
	if created {
		fmt.Fprintf(env.Stderr, "submit: created tenant %q\n", t.Name)
	}
	u, err := manage.CreateUser(ctx, ops, manage.UserParams{TenantID: t.ID, Email: email, Role: role, Password: pw, Now: time.Now()})
	if err != nil {
		return fail(env, "%v", err)
	}
	auditCLI(ctx, tc.store, t.ID, "user.create", u.ID, u.Email+" as "+u.Role)
	fmt.Fprintf(env.Stdout, "created %s %s (%s) in tenant %s\n", u.Role, u.Email, u.ID, t.Name)
	return 0
}

// readPassword reads one line from standard input. A terminal gets a
// prompt; scripts pipe the password in, so that it never appears in the
// process list or the shell history as a flag would.
func readPassword(env Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(env.Stderr, "Password (it will be shown as you type; pipe it in to avoid that): ")
		}
	}
	if env.Stdin == nil {
		return "", errors.New("no password: give it on standard input, one line")
	}
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, manage.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password: give it on standard input, one line")
	}
	if err := manage.CheckPassword(line); err != nil {
		return "", err
	}
	return line, nil
}

func userList(ctx context.Context, args []string, env Env) int {
	tc, _, code := openTenantCommand(ctx, "user list", args, env, nil)
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	ops, ok := tc.store.(store.OperatorStore)
	if !ok {
		return fail(env, "this database cannot keep operators")
	}
	t, err := tc.store.TenantByName(ctx, tc.tenant)
	if err != nil {
		return fail(env, "tenant %q: %v", tc.tenant, err)
	}
	us, err := ops.ListUsers(ctx, t.ID)
	if err != nil {
		return fail(env, "%v", err)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tROLE\tCREATED")
	for _, u := range us {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.CreatedAt.UTC().Format(time.RFC3339))
	}
	w.Flush()
	return 0
}

// auditCLI records in Manage's audit log an action taken on the command
// line. The action is done already, so a store without an audit log, or a
// failure to write to it, does not fail the command.
func auditCLI(ctx context.Context, st store.Store, tenantID, action, target, detail string) {
	ops, ok := st.(store.OperatorStore)
	if !ok {
		return
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	_ = ops.AppendAudit(ctx, store.AuditEntry{ID: id.NewAt(manage.AuditIDPrefix, now), TenantID: tenantID,
		Actor: "cli", Action: action, Target: target, Detail: detail, At: now})
}
