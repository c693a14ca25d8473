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

	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
)

// runUser handles `submit user create|list|password|disable|enable`: the
// operators who sign in to Manage. The first admin of a tenant can only be
// made here, and a forgotten password only reset here.
func runUser(ctx context.Context, args []string, env Env) int {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "create":
		return userCreate(ctx, args[1:], env)
	case "list":
		return userList(ctx, args[1:], env)
	case "password":
		return userPassword(ctx, args[1:], env)
	case "disable", "enable":
		return userDisable(ctx, sub, args[1:], env)
	}
	fmt.Fprintln(env.Stderr, "usage: submit user create --tenant NAME --email E --role admin|operator  (password on standard input)\n"+
		"       submit user list --tenant NAME\n"+
		"       submit user password --tenant NAME --email E  (new password on standard input; signs them out everywhere)\n"+
		"       submit user disable|enable --tenant NAME --email E")
	return 2
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
	u, err := tc.accounts.Create(ctx, operator.NewParams{TenantID: t.ID, Email: email, Role: role, Password: pw})
	if err != nil {
		return fail(env, "%v", err)
	}
	tc.audit(ctx, t.ID, "user.create", u.ID, u.Email+" as "+u.Role)
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
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, operator.MaxPasswordLength+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password: give it on standard input, one line")
	}
	if err := operator.CheckPassword(line); err != nil {
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
	t, err := tc.store.TenantByName(ctx, tc.tenant)
	if err != nil {
		return fail(env, "tenant %q: %v", tc.tenant, err)
	}
	us, err := tc.store.ListUsers(ctx, t.ID)
	if err != nil {
		return fail(env, "%v", err)
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tEMAIL\tROLE\tCREATED\tSTATUS")
	for _, u := range us {
		status := "active"
		if !u.DisabledAt.IsZero() {
			status = "disabled since " + u.DisabledAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.CreatedAt.UTC().Format(time.RFC3339), status)
	}
	w.Flush()
	return 0
}

// tenantUser opens the store for a command about one operator (--tenant
// and --email) and finds them. When it returns nil it has reported why,
// and code is the exit code.
func tenantUser(ctx context.Context, name string, args []string, env Env) (tc *tenantCommand, u store.User, code int) {
	var email string
	tc, _, code = openTenantCommand(ctx, name, args, env, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the operator's email (required)")
	})
	if tc == nil {
		return nil, u, code
	}
	refuse := func(format string, a ...any) (*tenantCommand, store.User, int) {
		tc.store.Close()
		return nil, store.User{}, fail(env, format, a...)
	}
	if email == "" {
		return refuse("%s needs --email", name)
	}
	t, err := tc.store.TenantByName(ctx, tc.tenant)
	if err != nil {
		return refuse("tenant %q: %v", tc.tenant, err)
	}
	u, err = tc.store.UserByEmail(ctx, email)
	if err == nil && u.TenantID != t.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return refuse("no operator %s in tenant %s (submit user list --tenant %s shows them)", email, tc.tenant, tc.tenant)
	}
	return tc, u, -1
}

// userPassword sets a new password for an operator who forgot theirs, and
// signs them out everywhere.
func userPassword(ctx context.Context, args []string, env Env) int {
	tc, u, code := tenantUser(ctx, "user password", args, env)
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	pw, err := readPassword(env)
	if err != nil {
		return fail(env, "%v", err)
	}
	if err := tc.accounts.SetPassword(ctx, operator.PasswordParams{TenantID: u.TenantID, UserID: u.ID, Password: pw}); err != nil {
		return fail(env, "%v", err)
	}
	tc.audit(ctx, u.TenantID, "user.password", u.ID, u.Email)
	fmt.Fprintf(env.Stdout, "set a new password for %s and signed them out everywhere\n", u.Email)
	return 0
}

// userDisable disables or enables an operator, as an admin can in Manage;
// here it works on anyone, so that an account whose admins are all
// disabled can be recovered.
func userDisable(ctx context.Context, sub string, args []string, env Env) int {
	tc, u, code := tenantUser(ctx, "user "+sub, args, env)
	if tc == nil {
		return code
	}
	defer tc.store.Close()
	set := tc.accounts.Enable
	if sub == "disable" {
		set = tc.accounts.Disable
	}
	if err := set(ctx, u.TenantID, u.ID); err != nil {
		return fail(env, "%v", err)
	}
	tc.audit(ctx, u.TenantID, "user."+sub, u.ID, u.Email)
	fmt.Fprintf(env.Stdout, "%sd %s\n", sub, u.Email)
	return 0
}

// audit records in the audit log Manage shows an action taken on the
// command line. The action is done already, so a failure to record it
// does not fail the command.
func (tc *tenantCommand) audit(ctx context.Context, tenantID, action, target, detail string) {
	_ = tc.accounts.Audit(ctx, store.AuditEntry{TenantID: tenantID, Actor: "cli", Action: action, Target: target, Detail: detail})
}
