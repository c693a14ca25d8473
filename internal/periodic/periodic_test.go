package periodic

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunsAtOnceAndRepeatsUntilStopped(t *testing.T) {
	var n atomic.Int32
	task := &Task{Interval: 5 * time.Millisecond, Run: func(context.Context) { n.Add(1) }}
	if err := task.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("ran %d times", n.Load())
		}
		time.Sleep(time.Millisecond)
	}
	task.Stop()
	after := n.Load()
	time.Sleep(20 * time.Millisecond)
	if n.Load() != after {
		t.Error("the task ran after Stop")
	}
	task.Stop() // twice is fine
	(&Task{}).Stop()
}
