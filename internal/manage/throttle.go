package manage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/periodic"
	"github.com/atomyx/submit/internal/store"
)

// throttleStore keeps sign-in tries, so that every process behind a load
// balancer counts them against one limit.
type throttleStore interface {
	CreateSignInTry(ctx context.Context, t store.SignInTry) error
	ListSignInTries(ctx context.Context, p store.ListSignInTriesParams) ([]store.SignInTry, error)
	DeleteSignInTries(ctx context.Context, p store.DeleteSignInTriesParams) (int64, error)
}

// throttle counts failed sign-ins per subject (an email, an IP address) in
// the database and refuses further tries once a subject has its limit of
// failures within the window. A try is recorded before the password is
// checked and forgotten again unless the password was wrong: tries at once,
// on one process or several, each see the others, so an attacker who sends
// them in parallel gets no more than the limit either.
type throttle struct {
	st     throttleStore
	window time.Duration
	log    *slog.Logger

	sweepGate periodic.Gate // old tries are forgotten once a window
}

// limitOf is a subject and how many failures it may have in the window.
type limitOf struct {
	subject string
	max     int
}

// signInTry is a try recorded by begin: one row per subject.
type signInTry struct{ rows []string }

func newThrottle(st throttleStore, window time.Duration, log *slog.Logger) *throttle {
	return &throttle{st: st, window: window, log: log}
}

// begin records a try against every subject. When a subject had its limit
// of failures already, the try is forgotten again and wait is how long
// until the oldest of them leaves the window.
func (t *throttle) begin(ctx context.Context, now time.Time, limits ...limitOf) (try signInTry, wait time.Duration, err error) {
	now = now.UTC().Truncate(time.Microsecond) // as the store keeps it
	t.sweep(ctx, now)
	for _, l := range limits {
		row := id.Token(16)
		if err := t.st.CreateSignInTry(ctx, store.SignInTry{ID: row, Subject: l.subject, At: now}); err != nil {
			t.forget(ctx, try)
			return signInTry{}, 0, fmt.Errorf("record sign-in try: %w", err)
		}
		try.rows = append(try.rows, row)
		// Failures leave the window when it has passed since them.
		tries, err := t.st.ListSignInTries(ctx, store.ListSignInTriesParams{
			Subject: l.subject, Since: now.Add(-t.window).Add(time.Microsecond), Limit: l.max + 1})
		if err != nil {
			t.forget(ctx, try)
			return signInTry{}, 0, fmt.Errorf("count sign-in tries: %w", err)
		}
		if len(tries) > l.max { // this try and max failures
			wait = max(wait, tries[l.max].At.Add(t.window).Sub(now), time.Second)
		}
	}
	if wait > 0 {
		t.forget(ctx, try)
		return signInTry{}, wait, nil
	}
	return try, 0, nil
}

// forget deletes a try that did not fail: it counts against no one.
func (t *throttle) forget(ctx context.Context, try signInTry) {
	for _, row := range try.rows {
		if _, err := t.st.DeleteSignInTries(context.WithoutCancel(ctx), store.DeleteSignInTriesParams{ID: row}); err != nil {
			t.log.Warn("forget a sign-in try", slog.Any("error", err))
		}
	}
}

// reset forgets every failure of subject, after a successful sign-in.
func (t *throttle) reset(ctx context.Context, subject string) {
	if _, err := t.st.DeleteSignInTries(context.WithoutCancel(ctx), store.DeleteSignInTriesParams{Subject: subject}); err != nil {
		t.log.Warn("forget failed sign-ins", slog.Any("error", err))
	}
}

// sweep deletes tries that left the window, at most once a window per
// process and in the background.
func (t *throttle) sweep(ctx context.Context, now time.Time) {
	if !t.sweepGate.Open(now, t.window) {
		return
	}
	go func() {
		if _, err := t.st.DeleteSignInTries(context.WithoutCancel(ctx), store.DeleteSignInTriesParams{Before: now.Add(-t.window)}); err != nil {
			t.log.Warn("forget old sign-in tries", slog.Any("error", err))
		}
	}()
}
