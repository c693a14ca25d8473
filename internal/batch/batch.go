// Package batch runs together the work that concurrent callers hand in:
// whatever is queued when a run can start goes in it, so that a cost paid
// once per run (a commit, a statement's fixed work) is shared by all of
// it. The callback worker's recorder and PostgreSQL's job inserts use it.
package batch

import (
	"context"
	"sync"
)

// Queue holds items until a run takes them. Make one with New.
type Queue[T any] struct {
	run   func([]T)
	max   int
	wake  chan struct{}
	slots chan struct{} // runs under way

	mu    sync.Mutex
	items []T
}

// New returns a queue whose runs take at most max items, with at most
// concurrent runs under way at once; run does the work of one.
func New[T any](max, concurrent int, run func([]T)) *Queue[T] {
	return &Queue[T]{run: run, max: max, wake: make(chan struct{}, 1), slots: make(chan struct{}, concurrent)}
}

// Add queues an item for the next run. It never blocks; the caller waits
// for the item's outcome in its own way.
func (q *Queue[T]) Add(item T) {
	q.mu.Lock()
	q.items = append(q.items, item)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default: // a wake-up is pending; one is enough
	}
}

// Run starts runs until ctx ends, then waits for those under way and
// returns. Items queued and not yet taken when ctx ends are not run.
func (q *Queue[T]) Run(ctx context.Context) {
	var running sync.WaitGroup
	defer running.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.wake:
		}
		for {
			q.slots <- struct{}{} // wait for a run to end when enough are under way
			q.mu.Lock()
			n := min(len(q.items), q.max)
			items := q.items[:n:n]
			q.items = q.items[n:]
			q.mu.Unlock()
			if n == 0 {
				<-q.slots
				break
			}
			running.Go(func() {
				defer func() { <-q.slots }()
				q.run(items)
			})
		}
	}
}
