package workflow

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// IdempotencyWindow is how long an Idempotency-Key is remembered, as at
// Stripe: long enough for any retry, short enough to keep the table small.
const IdempotencyWindow = 24 * time.Hour

// Sweeper is the background service that expires jobs whose lifetime has
// passed and forgets old idempotency keys. Every process runs one; the work
// is idempotent, so two sweepers at once only repeat a cheap query.
type Sweeper struct {
	Service  *Service
	Interval time.Duration // default one minute
	Logger   *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start runs the sweeper until Stop or until ctx ends.
func (s *Sweeper) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	interval := s.Interval
	if interval <= 0 {
		interval = time.Minute
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
func (s *Sweeper) Stop() {
	s.once.Do(func() {
		if s.cancel != nil {
			s.cancel()
			<-s.done
		}
	})
}

func (s *Sweeper) sweep(ctx context.Context) {
	for {
		n, err := s.Service.ExpireDue(ctx, 100)
		if err != nil {
			if ctx.Err() == nil {
				s.Logger.Error("expire jobs", slog.Any("error", err))
			}
			break
		}
		if n > 0 {
			s.Logger.Info("expired jobs", slog.Int("count", n))
		}
		if n < 100 {
			break
		}
	}
	before := s.Service.now().Add(-IdempotencyWindow)
	if _, err := s.Service.Store.DeleteIdempotencyRecords(ctx, before); err != nil && ctx.Err() == nil {
		s.Logger.Error("forget idempotency keys", slog.Any("error", err))
	}
}
