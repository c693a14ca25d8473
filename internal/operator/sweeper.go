package operator

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/atomyx/submit/internal/periodic"
)

// sessionStore is what the sweeper deletes expired sessions from.
type sessionStore interface {
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error)
}

// SessionSweeper is the background service that deletes expired sign-in
// sessions. Expired sessions are refused anyway; sweeping only keeps the
// table small. Every process may run one: the delete is idempotent.
type SessionSweeper struct {
	Store    sessionStore
	Interval time.Duration // default one hour
	Logger   *slog.Logger

	task periodic.Task
}

// Start runs the sweeper until Stop or until ctx ends.
func (s *SessionSweeper) Start(ctx context.Context) error {
	s.task = periodic.Task{Interval: cmp.Or(s.Interval, time.Hour), Run: s.sweep}
	return s.task.Start(ctx)
}

// Stop ends the sweeper after its current pass.
func (s *SessionSweeper) Stop() { s.task.Stop() }

func (s *SessionSweeper) sweep(ctx context.Context) {
	n, err := s.Store.DeleteExpiredSessions(ctx, time.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.Logger.Error("delete expired sessions", slog.Any("error", err))
	case n > 0:
		s.Logger.Debug("deleted expired sessions", slog.Int64("count", n))
	}
}
