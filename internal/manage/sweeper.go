package manage

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// SessionSweeper is the background service that deletes expired sign-in
// sessions. Expired sessions are refused anyway; sweeping only keeps the
// table small. Every process may run one: the delete is idempotent.
type SessionSweeper struct {
	Store    store.OperatorStore
	Interval time.Duration // default one hour
	Logger   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start runs the sweeper until Stop or until ctx ends.
func (s *SessionSweeper) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	interval := s.Interval
	if interval <= 0 {
		interval = time.Hour
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			s.sweep(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// Stop ends the sweeper after its current pass.
func (s *SessionSweeper) Stop() {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
		}
	})
}

func (s *SessionSweeper) sweep(ctx context.Context) {
	n, err := s.Store.DeleteExpiredSessions(ctx, time.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.Logger.Error("delete expired sessions", slog.Any("error", err))
	case n > 0:
		s.Logger.Debug("deleted expired sessions", slog.Int64("count", n))
	}
}
