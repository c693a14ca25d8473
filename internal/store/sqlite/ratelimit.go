package sqlite

import (
	"context"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// rateCounts keeps the customer pages' rate-limit counts in memory.
//
// The counts are in the database so that every process behind a load
// balancer counts against one allowance. A SQLite database has one
// `submit serve` (the data directory's serve lock), so that process's
// memory is already shared by all, and a page view need not write: the
// UPSERT was the one write of a customer page and a disk write per view:
// a page served serially took 250 µs with it and 165 without
// (BenchmarkCustomerPage). The windows and answers are
// sqldb's (the store conformance tests run both). A restart forgets the
// counts, which gives a client at most one more burst; they are
// forgotten as the table's rows were, a window after it ends, so they
// hold the addresses of the last two windows.
type rateCounts struct {
	mu sync.Mutex
	m  map[string]rateRow
}

// rateRow is one subject's counts, as a row of rate_limits.
type rateRow struct {
	window         time.Time
	hits, previous int
}

// HitRateLimit counts one hit of p.Subject, as sqldb's UPSERT does: in
// the stored window when it is p.Window or later (a hit stamped a moment
// late counts there), with that window's hits as the previous count when
// the stored one is the window before, else from nothing.
func (db *DB) HitRateLimit(_ context.Context, p store.HitRateLimitParams) (store.RateCount, error) {
	window := p.Window.UTC().Truncate(time.Microsecond) // as stored times are
	c := &db.rates
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]rateRow{}
	}
	r, ok := c.m[p.Subject]
	switch {
	case !ok:
		r = rateRow{window: window, hits: 1}
	case !r.window.Before(window):
		r.hits++
	case r.window.Equal(window.Add(-p.Length)):
		r = rateRow{window: window, hits: 1, previous: r.hits}
	default:
		r = rateRow{window: window, hits: 1}
	}
	c.m[p.Subject] = r
	return store.RateCount{Window: r.window, Hits: r.hits, PreviousHits: r.previous}, nil
}

// DeleteRateLimits forgets the counts of windows that started before
// before.
func (db *DB) DeleteRateLimits(_ context.Context, before time.Time) (int64, error) {
	c := &db.rates
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for subject, r := range c.m {
		if r.window.Before(before) {
			delete(c.m, subject)
			n++
		}
	}
	return n, nil
}
