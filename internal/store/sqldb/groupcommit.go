package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// maxBatch bounds how many transactions share one commit, so that one
// commit never holds the writer for long.
const maxBatch = 64

// groupCommit runs the write transactions of many goroutines in shared
// database transactions, one SAVEPOINT each, and commits them together.
//
// SQLite has one writer, and what a short transaction costs is mostly its
// commit: writing every page it touched to the WAL. Under load, callers queue
// for the writer anyway; letting the ones already queued share a commit
// amortises that cost (POST /api/jobs went from a quarter of a bare
// decode-and-insert server's throughput to above half). Each caller's work is
// isolated by its savepoint: an error rolls back that caller's changes only,
// and a caller hears of success only after the shared commit succeeded.
type groupCommit struct {
	w    *sql.DB
	reqs chan *txRequest
	stop chan struct{}
	done sync.WaitGroup
}

// txRequest is one caller's transaction waiting for the writer.
type txRequest struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	err  error // fn's own error
	done chan error
}

func newGroupCommit(w *sql.DB) *groupCommit {
	g := &groupCommit{w: w, reqs: make(chan *txRequest), stop: make(chan struct{})}
	g.done.Add(1)
	go g.loop()
	return g
}

// run queues fn and waits for the outcome of its commit.
func (g *groupCommit) run(ctx context.Context, fn func(tx *sql.Tx) error) error {
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.stop:
		return fmt.Errorf("begin: the database is closed")
	}
	// Once queued, wait for the result even if ctx ends: the work may be
	// committing, and the caller must not believe it was not done.
	return <-r.done
}

// close stops the loop after the batch in hand.
func (g *groupCommit) close() {
	close(g.stop)
	g.done.Wait()
}

func (g *groupCommit) loop() {
	defer g.done.Done()
	for {
		var first *txRequest
		select {
		case first = <-g.reqs:
		case <-g.stop:
			return
		}
		batch := []*txRequest{first}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		g.commit(batch)
	}
}

// commit runs a batch in one transaction and tells every caller its outcome.
// A failure of the savepoint machinery itself, or of the commit, fails the
// whole batch: no caller may be told "failed" while its changes commit.
func (g *groupCommit) commit(batch []*txRequest) {
	tx, err := g.w.BeginTx(context.Background(), nil)
	if err != nil {
		g.fail(batch, fmt.Errorf("begin: %w", err))
		return
	}
	for _, r := range batch {
		if err := g.runOne(tx, r); err != nil {
			_ = tx.Rollback()
			g.fail(batch, err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		g.fail(batch, fmt.Errorf("commit: %w", err))
		return
	}
	for _, r := range batch {
		r.done <- r.err
	}
}

func (g *groupCommit) fail(batch []*txRequest, err error) {
	for _, r := range batch {
		r.done <- err
	}
}

// runOne runs one caller's work inside a savepoint of the shared
// transaction, leaving the caller's own error in r.err. It returns an error
// only when the savepoint itself failed, which dooms the batch.
func (g *groupCommit) runOne(tx *sql.Tx, r *txRequest) error {
	if r.err = r.ctx.Err(); r.err != nil {
		return nil
	}
	if _, err := tx.Exec("SAVEPOINT caller"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if r.err = r.fn(tx); r.err != nil {
		if _, err := tx.Exec("ROLLBACK TO caller"); err != nil {
			return fmt.Errorf("%w (and rolling back to the savepoint: %v)", r.err, err)
		}
	}
	if _, err := tx.Exec("RELEASE caller"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}
