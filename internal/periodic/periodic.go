// Package periodic runs a function at an interval as a background service,
// with the Start and Stop that serve expects of one. The sweepers that keep
// tables tidy (expired jobs, idempotency keys, sign-in sessions) use it.
package periodic

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Task calls Run at once and then every Interval until stopped. Run gets a
// context that ends on Stop; a pass in progress is allowed to finish.
type Task struct {
	Interval time.Duration
	Run      func(ctx context.Context)

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start runs the task in the background until Stop or until ctx ends.
func (t *Task) Start(ctx context.Context) error {
	ctx, t.cancel = context.WithCancel(ctx)
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		tick := time.NewTicker(t.Interval)
		defer tick.Stop()
		for {
			t.Run(ctx)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return nil
}

// Stop ends the task and waits for its current pass. It may be called more
// than once, and before Start.
func (t *Task) Stop() {
	t.once.Do(func() {
		if t.cancel != nil {
			t.cancel()
			<-t.done
		}
	})
}

// Gate lets one call through per interval, across goroutines: for upkeep
// that a busy path starts now and then (forgetting old rows) rather than
// a task of its own.
type Gate struct {
	next atomic.Int64 // unix nanoseconds before which the gate is shut
}

// Open reports whether the caller is the one to do the work now; the
// gate then stays shut for every.
func (g *Gate) Open(now time.Time, every time.Duration) bool {
	next := g.next.Load()
	return now.UnixNano() >= next && g.next.CompareAndSwap(next, now.Add(every).UnixNano())
}
