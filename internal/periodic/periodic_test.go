package periodic

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestRunsAtOnceAndRepeatsUntilStopped runs the task in a synctest bubble,
// whose clock moves only when every goroutine in it waits: an hour after
// Stop passes at once, and the task had every chance to run again.
func TestRunsAtOnceAndRepeatsUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n atomic.Int32
		task := &Task{Interval: time.Minute, Run: func(context.Context) { n.Add(1) }}
		if err := task.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := n.Load(); got != 1 {
			t.Fatalf("ran %d times at start, want 1", got)
		}
		time.Sleep(2*time.Minute + time.Second)
		synctest.Wait()
		if got := n.Load(); got != 3 {
			t.Fatalf("ran %d times in two intervals, want 3", got)
		}
		task.Stop()
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := n.Load(); got != 3 {
			t.Errorf("ran %d times, want 3: the task ran after Stop", got)
		}
		task.Stop() // twice is fine
		(&Task{}).Stop()
	})
}

// TestStopWaitsForThePass: a pass in progress finishes before Stop returns,
// and its context ends when Stop is called.
func TestStopWaitsForThePass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var finished atomic.Bool
		task := &Task{Interval: time.Minute, Run: func(ctx context.Context) {
			<-ctx.Done()
			finished.Store(true)
		}}
		if err := task.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		task.Stop()
		if !finished.Load() {
			t.Error("Stop returned before the pass in progress finished")
		}
	})
}

// TestGate: of many callers at once one gets through; the gate opens again
// once the interval has passed, not before.
func TestGate(t *testing.T) {
	var g Gate
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var through atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if g.Open(now, time.Minute) {
				through.Add(1)
			}
		})
	}
	wg.Wait()
	if n := through.Load(); n != 1 {
		t.Fatalf("%d callers got through at once, want 1", n)
	}
	if g.Open(now.Add(59*time.Second), time.Minute) {
		t.Error("the gate opened before its interval passed")
	}
	if !g.Open(now.Add(time.Minute), time.Minute) {
		t.Error("the gate stayed shut after its interval")
	}
}
