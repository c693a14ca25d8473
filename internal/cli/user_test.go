package cli

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
)

func TestUserCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SUBMIT_DATA_DIR": dir}
	code, out, stderr := run(t, env, "s3cret pass phrase\n", "user", "create", "--tenant", "acme", "--email", "Ann@Example.com", "--role", "admin")
	if code != 0 || !strings.Contains(out, "created admin Ann@Example.com") {
		t.Fatalf("user create: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	for _, c := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"taken email", "another password\n", "already has an account", []string{"--email", "ann@example.com", "--role", "operator"}},
		{"short password", "short\n", "at least 8 characters", []string{"--email", "bob@example.com"}},
		{"no password", "", "no password", []string{"--email", "bob@example.com"}},
		{"bad role", "long enough pass\n", "the role must be", []string{"--email", "bob@example.com", "--role", "root"}},
		{"bad email", "long enough pass\n", "not an email address", []string{"--email", "bob"}},
	} {
		args := append([]string{"user", "create", "--tenant", "acme"}, c.args...)
		if code, _, stderr := run(t, env, c.stdin, args...); code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", c.name, code, stderr, c.want)
		}
	}
	code, out, _ = run(t, env, "", "user", "list", "--tenant", "acme")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, "Ann@Example.com  admin") {
		t.Errorf("user list:\n%s", out)
	}
	if code, _, _ := run(t, env, "", "key", "create", "--tenant", "acme"); code != 0 {
		t.Fatal("key create failed")
	}

	// The password signs in (it was read whole, without the newline) and
	// every action is in the audit log as done by "cli".
	ops := openOperators(t, dir)
	u, err := ops.UserByEmail(context.Background(), "ann@example.com")
	if err != nil || !operator.VerifyPassword(u.PasswordHash, "s3cret pass phrase") {
		t.Fatalf("stored user %+v does not verify: %v", u, err)
	}
	audit, err := ops.ListAudit(context.Background(), store.ListAuditParams{TenantID: u.TenantID, Limit: 10})
	if err != nil || len(audit) != 2 || audit[0].Action != "key.create" || audit[1].Action != "user.create" || audit[1].Actor != "cli" {
		t.Errorf("audit = %+v, %v", audit, err)
	}
}

// TestUserRecovery: on the server, an admin's forgotten password is reset
// and an operator disabled and enabled, each audited as done by "cli".
func TestUserRecovery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SUBMIT_DATA_DIR": dir}
	if code, _, stderr := run(t, env, "first pass phrase\n", "user", "create", "--tenant", "acme", "--email", "ann@example.com", "--role", "admin"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := run(t, env, "second pass phrase\n", "user", "password", "--tenant", "acme", "--email", "ANN@example.com")
	if code != 0 || !strings.Contains(out, "new password for ann@example.com") {
		t.Fatalf("user password: exit %d, %q %q", code, out, stderr)
	}
	for _, c := range []struct {
		name, stdin, want string
		args              []string
	}{
		{"unknown email", "long enough pass\n", "no operator bob@example.com", []string{"password", "--tenant", "acme", "--email", "bob@example.com"}},
		{"other tenant", "", "tenant \"globex\"", []string{"disable", "--tenant", "globex", "--email", "ann@example.com"}},
		{"short password", "short\n", "at least 8 characters", []string{"password", "--tenant", "acme", "--email", "ann@example.com"}},
		{"no email", "", "needs --email", []string{"enable", "--tenant", "acme"}},
	} {
		if code, _, stderr := run(t, env, c.stdin, append([]string{"user"}, c.args...)...); code != 1 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", c.name, code, stderr, c.want)
		}
	}
	if code, _, stderr := run(t, env, "", "user", "disable", "--tenant", "acme", "--email", "ann@example.com"); code != 0 {
		t.Fatal(stderr)
	}
	if _, out, _ := run(t, env, "", "user", "list", "--tenant", "acme"); !strings.Contains(out, "disabled since") {
		t.Errorf("user list does not show the operator disabled:\n%s", out)
	}

	ops := openOperators(t, dir)
	u, err := ops.UserByEmail(context.Background(), "ann@example.com")
	if err != nil || !operator.VerifyPassword(u.PasswordHash, "second pass phrase") || u.DisabledAt.IsZero() {
		t.Fatalf("after the reset and disable: %+v, %v", u, err)
	}
	if code, _, stderr := run(t, env, "", "user", "enable", "--tenant", "acme", "--email", "ann@example.com"); code != 0 {
		t.Fatal(stderr)
	}
	if u, err = ops.UserByEmail(context.Background(), "ann@example.com"); err != nil || !u.DisabledAt.IsZero() {
		t.Errorf("after enable: %+v, %v", u, err)
	}
	audit, err := ops.ListAudit(context.Background(), store.ListAuditParams{TenantID: u.TenantID, Limit: 10})
	if err != nil || len(audit) != 4 || audit[0].Action != "user.enable" || audit[1].Action != "user.disable" ||
		audit[2].Action != "user.password" || audit[2].Actor != "cli" {
		t.Errorf("audit = %+v, %v", audit, err)
	}
}

// openOperators opens the data dir's store as the commands left it.
func openOperators(t *testing.T, dir string) store.OperatorStore {
	t.Helper()
	st, err := openStore(context.Background(), &config.Config{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.(store.OperatorStore)
}
