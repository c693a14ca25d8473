package operator_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
)

const password = "correct horse battery"

type fixture struct {
	db       *sqlite.DB
	accounts *operator.Accounts
	tenantID string
	now      time.Time
}

// setup returns Accounts on a fresh SQLite store with one tenant, on a
// clock the test sets.
func setup(t *testing.T) *fixture {
	t.Helper()
	db := storetest.SQLite(t).(*sqlite.DB)
	tn, _, err := vault.New(db).EnsureTenant(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, tenantID: tn.ID, now: time.Now()}
	f.accounts = &operator.Accounts{Store: db, Now: func() time.Time { return f.now }}
	return f
}

func (f *fixture) user(t *testing.T, email string) store.User {
	t.Helper()
	u, err := f.accounts.Create(t.Context(), operator.NewParams{TenantID: f.tenantID, Email: email, Role: store.RoleOperator, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCreate: an operator is stored with an argon2id hash of the password;
// what is wrong with the input is an ErrRefused in words to show.
func TestCreate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	u := f.user(t, " ann@example.com ")
	got, err := f.db.UserByEmail(t.Context(), "Ann@Example.com")
	if err != nil || got.ID != u.ID || got.Email != "ann@example.com" || !strings.HasPrefix(got.PasswordHash, "$argon2id$") ||
		!operator.VerifyPassword(got.PasswordHash, password) || operator.VerifyPassword(got.PasswordHash, password+"!") {
		t.Fatalf("stored %+v, %v", got, err)
	}
	for _, tt := range []struct {
		name string
		p    operator.NewParams
		want string
	}{
		{"taken", operator.NewParams{Email: "ANN@example.com", Role: store.RoleAdmin, Password: password}, "already has an account"},
		{"not an email", operator.NewParams{Email: "ann", Role: store.RoleAdmin, Password: password}, "not an email address"},
		{"bidi control", operator.NewParams{Email: "ann\u202e@example.com", Role: store.RoleAdmin, Password: password},
			"the email address contains a bidirectional control character"},
		{"role", operator.NewParams{Email: "bob@example.com", Role: "root", Password: password}, "the role must be"},
		{"short password", operator.NewParams{Email: "bob@example.com", Role: store.RoleAdmin, Password: "short"}, "at least 8"},
		{"spaced password", operator.NewParams{Email: "bob@example.com", Role: store.RoleAdmin, Password: " " + password}, "spaces"},
	} {
		tt.p.TenantID = f.tenantID
		_, err := f.accounts.Create(t.Context(), tt.p)
		if !errors.Is(err, operator.ErrRefused) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want a refusal saying %q", tt.name, err, tt.want)
		}
	}
	_, err = f.accounts.Create(t.Context(), operator.NewParams{TenantID: f.tenantID, Email: "ann@example.com", Role: store.RoleAdmin, Password: password})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a taken email: %v, want it to wrap store.ErrConflict", err)
	}
	_, err = f.accounts.Create(t.Context(), operator.NewParams{TenantID: f.tenantID, Email: "eve\u202e@example.com", Role: store.RoleAdmin, Password: password})
	if !errors.Is(err, job.ErrText) {
		t.Errorf("a refused email: %v, want it to wrap job.ErrText", err)
	}
	if us, _ := f.db.ListUsers(t.Context(), f.tenantID); len(us) != 1 {
		t.Errorf("%d operators stored, want 1", len(us))
	}
}

// TestSessions: a sign-in needs the right password; a session is found by
// its token until it expires, ends, or its operator is disabled; a new
// password ends every session but the one kept.
func TestSessions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := t.Context()
	u := f.user(t, "ann@example.com")
	for _, tt := range []struct{ email, pw string }{{"ann@example.com", "wrong password"}, {"nobody@example.com", password}} {
		if _, err := f.accounts.Authenticate(ctx, tt.email, tt.pw); !errors.Is(err, operator.ErrCredentials) {
			t.Errorf("sign in as %s with %q: %v, want ErrCredentials", tt.email, tt.pw, err)
		}
	}
	if got, err := f.accounts.Authenticate(ctx, "Ann@example.com", password); err != nil || got.ID != u.ID {
		t.Fatalf("sign in: %+v, %v", got, err)
	}

	tok, s, err := f.accounts.StartSession(ctx, u, time.Hour)
	if err != nil || tok == "" || strings.Contains(string(s.TokenHash), tok) || s.CSRFToken == "" {
		t.Fatalf("start session: %q %+v %v", tok, s, err)
	}
	if _, got, err := f.accounts.Session(ctx, tok); err != nil || got.ID != u.ID {
		t.Fatalf("session: %+v, %v", got, err)
	}
	if _, _, err := f.accounts.Session(ctx, tok+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a wrong token: %v", err)
	}
	f.now = f.now.Add(2 * time.Hour)
	if _, _, err := f.accounts.Session(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an expired session: %v", err)
	}

	keep, kept, _ := f.accounts.StartSession(ctx, u, time.Hour)
	other, _, _ := f.accounts.StartSession(ctx, u, time.Hour)
	if err := f.accounts.SetPassword(ctx, operator.PasswordParams{TenantID: f.tenantID, UserID: u.ID, Password: "short"}); !errors.Is(err, operator.ErrRefused) {
		t.Errorf("a short password: %v", err)
	}
	const next = "a much better passphrase"
	if err := f.accounts.SetPassword(ctx, operator.PasswordParams{TenantID: f.tenantID, UserID: u.ID, Password: next, Keep: kept.TokenHash}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.accounts.Session(ctx, other); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another session after a new password: %v", err)
	}
	if _, _, err := f.accounts.Session(ctx, keep); err != nil {
		t.Errorf("the kept session: %v", err)
	}
	if _, err := f.accounts.Authenticate(ctx, u.Email, next); err != nil {
		t.Errorf("the new password: %v", err)
	}

	if err := f.accounts.Disable(ctx, f.tenantID, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.accounts.Session(ctx, keep); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a disabled operator's session: %v", err)
	}
	if _, err := f.accounts.Authenticate(ctx, u.Email, next); !errors.Is(err, operator.ErrDisabled) {
		t.Errorf("a disabled operator signing in: %v, want ErrDisabled", err)
	}
	if _, err := f.accounts.Authenticate(ctx, u.Email, password); !errors.Is(err, operator.ErrCredentials) {
		t.Errorf("a disabled operator with a wrong password: %v, want ErrCredentials", err)
	}
	if err := f.accounts.Enable(ctx, f.tenantID, u.ID); err != nil {
		t.Fatal(err)
	}
	tok, _, _ = f.accounts.StartSession(ctx, u, time.Hour)
	if err := f.accounts.EndSession(ctx, store.Session{TokenHash: mustSession(t, f, tok).TokenHash}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.accounts.Session(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an ended session: %v", err)
	}
}

func mustSession(t *testing.T, f *fixture, tok string) store.Session {
	t.Helper()
	s, _, err := f.accounts.Session(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAudit: entries get an id with the audit prefix and the time.
func TestAudit(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if err := f.accounts.Audit(t.Context(), store.AuditEntry{TenantID: f.tenantID, Actor: "cli", Action: "key.create", Target: "key_1"}); err != nil {
		t.Fatal(err)
	}
	es, err := f.db.ListAudit(t.Context(), store.ListAuditParams{TenantID: f.tenantID, Limit: 10})
	if err != nil || len(es) != 1 || !strings.HasPrefix(es[0].ID, operator.AuditIDPrefix+"_") ||
		!es[0].At.Equal(f.now.UTC().Truncate(time.Microsecond)) || es[0].Action != "key.create" {
		t.Errorf("audit = %+v, %v", es, err)
	}
}
