package sqldb

import (
	"context"
	"errors"
	"sync"

	"github.com/atomyx/submit/internal/batch"
)

// shared runs a batch.Queue's batches until the store closes: the
// statements that concurrent calls share (jobBatch, keyLookups).
type shared[T any] struct {
	queue   *batch.Queue[T]
	stopped context.Context // ends when the store closes
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// startShared starts running batches of at most max items, at most
// concurrent at once.
func startShared[T any](max, concurrent int, run func([]T)) *shared[T] {
	s := &shared[T]{queue: batch.New(max, concurrent, run)}
	s.stopped, s.stop = context.WithCancel(context.Background())
	s.done.Go(func() { s.queue.Run(s.stopped) })
	return s
}

// close stops taking batches and waits for those under way.
func (s *shared[T]) close() {
	s.stop()
	s.done.Wait()
}

// errClosed answers a call that was waiting for its batch when the store
// closed, the batch not taken.
var errClosed = errors.New("the database is closed")
