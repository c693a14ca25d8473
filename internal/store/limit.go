package store

import (
	"context"
	"time"
)

// LimitStore counts what is limited across processes: requests per client
// address (the customer pages) and sign-in tries (Manage). Kept in the
// database, so that N processes behind one load balancer give a client the
// allowance of one process, not N of them.
type LimitStore interface {
	// HitRateLimit counts one request of p.Subject in the fixed window
	// that starts at p.Window and lasts p.Length, and returns the window's
	// count (this hit included) and the previous window's. One atomic
	// UPSERT: hits at once on several processes each see their own count.
	// A hit stamped with an earlier window than the stored one (a process
	// whose clock is a little behind) counts in the stored window.
	HitRateLimit(ctx context.Context, p HitRateLimitParams) (RateCount, error)
	// DeleteRateLimits forgets the counts of subjects whose latest window
	// started before the given time, and returns how many it forgot.
	DeleteRateLimits(ctx context.Context, before time.Time) (int64, error)

	// CreateSignInTry records a sign-in try; ErrConflict if its id is
	// taken.
	CreateSignInTry(ctx context.Context, t SignInTry) error
	// ListSignInTries returns up to p.Limit tries of p.Subject made at or
	// after p.Since, newest first.
	ListSignInTries(ctx context.Context, p ListSignInTriesParams) ([]SignInTry, error)
	// DeleteSignInTries deletes the tries that match every field set in
	// p (at least one must be), and returns how many it deleted.
	DeleteSignInTries(ctx context.Context, p DeleteSignInTriesParams) (int64, error)
}

// HitRateLimitParams is one request counted by HitRateLimit.
type HitRateLimitParams struct {
	Subject string
	// Window is the start of the window the request falls in, Length the
	// length of every window: the previous one started at Window-Length.
	Window time.Time
	Length time.Duration
}

// RateCount is what HitRateLimit returns. Window is the start of the
// window Hits counts (p.Window, or a later one another process stored).
type RateCount struct {
	Window       time.Time
	Hits         int
	PreviousHits int
}

// SignInTry is one try to sign in, counted against Subject (an email or
// a client address).
type SignInTry struct {
	ID      string
	Subject string
	At      time.Time
}

// ListSignInTriesParams selects the recent tries of one subject.
type ListSignInTriesParams struct {
	Subject string
	Since   time.Time
	Limit   int
}

// DeleteSignInTriesParams selects tries to delete: one try by ID, every
// try of a Subject, or every try made before Before.
type DeleteSignInTriesParams struct {
	ID      string
	Subject string
	Before  time.Time
}
