package workflow

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/atomyx/submit/internal/periodic"
)

// IdempotencyWindow is how long an Idempotency-Key is remembered, as at
// Stripe: long enough for any retry, short enough to keep the table small.
const IdempotencyWindow = 24 * time.Hour

// Sweeper is the background service that expires jobs whose lifetime has
// passed and forgets old idempotency keys. Every process runs one; the work
// is idempotent, and each pass finishes all that is due even when other
// processes sweep at the same time (ExpireDue).
type Sweeper struct {
	Service  *Service
	Interval time.Duration // default one minute
	Logger   *slog.Logger

	task periodic.Task
}

// Start runs the sweeper until Stop or until ctx ends.
func (s *Sweeper) Start(ctx context.Context) error {
	s.task = periodic.Task{Interval: cmp.Or(s.Interval, time.Minute), Run: s.sweep}
	return s.task.Start(ctx)
}

// Stop ends the sweeper after its current pass.
func (s *Sweeper) Stop() { s.task.Stop() }

func (s *Sweeper) sweep(ctx context.Context) {
	n, err := s.Service.ExpireDue(ctx, 100)
	if err != nil && ctx.Err() == nil {
		s.Logger.Error("expire jobs", slog.Any("error", err))
	}
	if n > 0 {
		s.Logger.Info("expired jobs", slog.Int("count", n))
	}
	before := s.Service.now().Add(-IdempotencyWindow)
	if _, err := s.Service.Store.DeleteIdempotencyRecords(ctx, before); err != nil && ctx.Err() == nil {
		s.Logger.Error("forget idempotency keys", slog.Any("error", err))
	}
}
