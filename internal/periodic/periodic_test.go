package periodic

import (
	"context"
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
