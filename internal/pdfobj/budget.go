package pdfobj

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Budget bounds the decoded bytes held in memory at once by everything
// that shares it: one per process, so that a few hostile files checked
// at once cannot add up to gigabytes, whatever each one's own limits.
// Only data that must be held whole is counted (object streams, image
// pixels); streams read as streams hold a few buffers and are not.
//
// When the budget is spent, Acquire waits for room rather than failing:
// the bytes are held for milliseconds, and a file that failed because
// others were being checked at the same moment would get a finding that
// is not about the file. A caller holds one reservation at a time and
// never waits while holding one, so waits cannot deadlock; they end with
// the caller's context (the preflight time limit).
//
// A nil *Budget counts nothing.
type Budget struct {
	size int64
	sem  *semaphore.Weighted
}

// NewBudget returns a budget of size bytes.
func NewBudget(size int64) *Budget {
	return &Budget{size: size, sem: semaphore.NewWeighted(size)}
}

// Acquire waits until n bytes are free, or ctx ends, and returns the
// function that gives them back. A request larger than the whole budget
// waits until it has the budget to itself.
func (b *Budget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	if b == nil || n <= 0 {
		return func() {}, nil
	}
	n = min(n, b.size)
	if err := b.sem.Acquire(ctx, n); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(n) }, nil
}
