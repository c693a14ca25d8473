package operator

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// Sign-in errors. ErrCredentials does not say which of the email and the
// password is wrong, so that it tells an outsider nothing about which
// emails have accounts; ErrDisabled is only returned with the right
// password, for the same reason.
var (
	ErrCredentials = errors.New("the email or the password is not right")
	ErrDisabled    = errors.New("the account is disabled")
)

// Authenticate returns the operator with the email when the password is
// theirs: ErrCredentials when there is no such operator or the password
// is wrong, the operator and ErrDisabled when they are disabled.
// It takes as long whether or not the email has an account.
func (a *Accounts) Authenticate(ctx context.Context, email, password string) (store.User, error) {
	u, err := a.Store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		VerifyPassword(dummyHash(), password) // as long as a known email
		return store.User{}, ErrCredentials
	}
	if err != nil {
		return store.User{}, fmt.Errorf("sign in: %w", err)
	}
	if !VerifyPassword(u.PasswordHash, password) {
		return store.User{}, ErrCredentials
	}
	if !u.DisabledAt.IsZero() {
		return u, ErrDisabled
	}
	return u, nil
}

// dummyHash is verified against when an email is unknown, so that a
// sign-in takes as long whether or not the account exists. It is made on
// first use, not at start: hashing costs 50 ms and 19 MiB, which every
// run of the binary (submit preflight, submit version) would pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a real password: timing only")
	return h
})

// StartSession signs u in for lifetime and returns the session with its
// token, the cookie's value. Only the token's hash is stored, so a
// database leak signs nobody in.
func (a *Accounts) StartSession(ctx context.Context, u store.User, lifetime time.Duration) (string, store.Session, error) {
	tok, now := id.Token(32), a.now()
	s := store.Session{TokenHash: hashToken(tok), UserID: u.ID, TenantID: u.TenantID,
		CSRFToken: id.Token(32), CreatedAt: now, ExpiresAt: now.Add(lifetime)}
	if err := a.Store.CreateSession(ctx, s); err != nil {
		return "", s, fmt.Errorf("sign in %s: %w", u.ID, err)
	}
	return tok, s, nil
}

// Session returns the session whose token is given, and its operator.
// store.ErrNotFound when the session has expired or ended, or its
// operator was removed, moved to another tenant or disabled: they sign in
// again.
func (a *Accounts) Session(ctx context.Context, token string) (store.Session, store.User, error) {
	s, err := a.Store.Session(ctx, hashToken(token), a.now())
	if err != nil {
		return s, store.User{}, err
	}
	u, err := a.Store.User(ctx, s.UserID)
	if err != nil || u.TenantID != s.TenantID || !u.DisabledAt.IsZero() {
		// Disabling ends the sessions too; this covers one started at
		// the same moment.
		return s, store.User{}, fmt.Errorf("session of %s: %w", s.UserID, store.ErrNotFound)
	}
	return s, u, nil
}

// EndSession signs a session out; no error if it has ended already.
func (a *Accounts) EndSession(ctx context.Context, s store.Session) error {
	return a.Store.DeleteSession(ctx, s.TokenHash)
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}
