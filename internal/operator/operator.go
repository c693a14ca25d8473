// Package operator keeps the people who sign in to Manage: their accounts
// and passwords, their sign-in sessions and the audit log of what they (and
// commands run on the server) did. Manage and `submit user` both go
// through it, so an operator made or changed anywhere is made the same way.
package operator

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// AuditIDPrefix starts the ids of audit entries. They are never shown in
// the API, so the prefix is the audit log's own.
const AuditIDPrefix = "aud"

// ErrRefused is wrapped by the errors that say what is wrong with what a
// person typed (an email, a role, a password), in words to show them, as
// opposed to a failure of the store.
var ErrRefused = errors.New("refused")

// refusal marks an error as ErrRefused, keeping its words and what it
// wraps.
type refusal struct{ error }

func (r refusal) Unwrap() error             { return r.error }
func (r refusal) Is(target error) bool      { return target == ErrRefused }
func refuse(err error) error                { return refusal{err} }
func refusef(format string, a ...any) error { return refuse(fmt.Errorf(format, a...)) }

// Store is what Accounts keeps operators, their sessions and the audit log
// in; the store serve opens is one. Those who make Accounts from their own
// store embed it in theirs.
type Store interface {
	CreateUser(ctx context.Context, u store.User) error
	User(ctx context.Context, userID string) (store.User, error)
	UserByEmail(ctx context.Context, email string) (store.User, error)
	SetUserDisabled(ctx context.Context, p store.SetUserDisabledParams) error
	SetUserPassword(ctx context.Context, p store.SetPasswordParams) error
	CreateSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, tokenHash []byte, at time.Time) (store.Session, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	AppendAudit(ctx context.Context, e store.AuditEntry) error
}

// Accounts wraps the store with the rules for operators.
type Accounts struct {
	Store Store
	Now   func() time.Time
}

// New returns Accounts on the given store using the wall clock.
func New(st Store) *Accounts { return &Accounts{Store: st, Now: time.Now} }

// now is the clock in UTC at the precision both databases keep.
func (a *Accounts) now() time.Time { return a.Now().UTC().Truncate(time.Microsecond) }

// NewParams describes a new operator.
type NewParams struct {
	TenantID string
	Email    string
	Role     string
	Password string
}

// Create checks and stores a new operator with a hashed password. Its
// errors read as sentences a person can act on; they wrap ErrRefused when
// the input is at fault, and also store.ErrConflict when the email is
// taken.
func (a *Accounts) Create(ctx context.Context, p NewParams) (store.User, error) {
	email := strings.TrimSpace(p.Email)
	if err := job.CheckLine(email); err != nil {
		// net/mail accepts bidirectional controls and C1 characters in
		// an address, which would disguise it in lists and the audit log.
		return store.User{}, refusef("the email address %w", err)
	}
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		return store.User{}, refusef("%q is not an email address like ann@example.com", email)
	}
	if p.Role != store.RoleAdmin && p.Role != store.RoleOperator {
		return store.User{}, refusef("the role must be %s or %s, not %q", store.RoleAdmin, store.RoleOperator, p.Role)
	}
	if err := CheckPassword(p.Password); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword(p.Password)
	if err != nil {
		return store.User{}, err
	}
	now := a.now()
	u := store.User{ID: id.NewAt(id.User, now), TenantID: p.TenantID, Email: email, PasswordHash: hash,
		Role: p.Role, CreatedAt: now}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.User{}, refusef("%s already has an account (emails are unique across tenants): %w", email, err)
		}
		return store.User{}, fmt.Errorf("create operator %s: %w", email, err)
	}
	return u, nil
}

// Disable locks one of the tenant's operators out: their sessions end and
// they cannot sign in until enabled again. store.ErrNotFound for a user who
// is not the tenant's.
func (a *Accounts) Disable(ctx context.Context, tenantID, userID string) error {
	return a.Store.SetUserDisabled(ctx, store.SetUserDisabledParams{TenantID: tenantID, UserID: userID, At: a.now()})
}

// Enable lets a disabled operator of the tenant sign in again.
func (a *Accounts) Enable(ctx context.Context, tenantID, userID string) error {
	return a.Store.SetUserDisabled(ctx, store.SetUserDisabledParams{TenantID: tenantID, UserID: userID})
}

// PasswordParams sets an operator's password.
type PasswordParams struct {
	TenantID, UserID string
	Password         string
	// Keep is the token hash of a session to keep signed in (the one that
	// changed the password); every other session of the operator ends.
	Keep []byte
}

// SetPassword checks and sets a new password. An ErrRefused says what is
// wrong with it.
func (a *Accounts) SetPassword(ctx context.Context, p PasswordParams) error {
	if err := CheckPassword(p.Password); err != nil {
		return err
	}
	hash, err := HashPassword(p.Password)
	if err != nil {
		return err
	}
	return a.Store.SetUserPassword(ctx, store.SetPasswordParams{TenantID: p.TenantID, UserID: p.UserID,
		PasswordHash: hash, Keep: p.Keep})
}

// Audit records an action in the tenant's audit log, at the current time
// under a new id. The action has happened: callers log or ignore a
// failure rather than undo it.
func (a *Accounts) Audit(ctx context.Context, e store.AuditEntry) error {
	e.At = a.now()
	e.ID = id.NewAt(AuditIDPrefix, e.At)
	if err := a.Store.AppendAudit(ctx, e); err != nil {
		return fmt.Errorf("audit %s of %s: %w", e.Action, e.Target, err)
	}
	return nil
}
