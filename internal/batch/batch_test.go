package batch

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestQueue: items added while a run is under way go together in the next
// run, no run holds more than max, no more than concurrent run at once,
// every item is run once, and Run returns after ctx ends and its runs do.
func TestQueue(t *testing.T) {
	var mu sync.Mutex
	var sizes []int
	var seen sync.Map
	var under, most atomic.Int32
	release := make(chan struct{})
	q := New(5, 2, func(items []int) {
		n := under.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		<-release
		mu.Lock()
		sizes = append(sizes, len(items))
		mu.Unlock()
		for _, it := range items {
			if _, dup := seen.LoadOrStore(it, true); dup {
				t.Errorf("item %d run twice", it)
			}
		}
		under.Add(-1)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	for i := range 23 {
		q.Add(i)
	}
	close(release)
	for {
		count := 0
		seen.Range(func(any, any) bool { count++; return true })
		if count == 23 {
			break
		}
	}
	cancel()
	<-done
	largest := 0
	for _, s := range sizes {
		if s < 1 || s > 5 {
			t.Errorf("a run of %d items, want 1 to 5", s)
		}
		largest = max(largest, s)
	}
	if largest != 5 {
		// Two runs at most start before release; the other 21 items wait
		// and must go in runs of 5.
		t.Errorf("runs of %v items, want the waiting items together, 5 a run", sizes)
	}
	if m := most.Load(); m > 2 {
		t.Errorf("%d runs at once, want at most 2", m)
	}
}
