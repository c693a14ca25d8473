package pipeline

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// slowRenewals is a store whose lease renewals answer late once their
// context has ended, as a database under load does, and which notes a
// lease released while a renewal of it was still running.
type slowRenewals struct {
	store.Store
	renewing chan struct{} // receives when a renewal starts

	mu            sync.Mutex
	running       int  // renewals under way
	releasedUnder bool // ReleaseJobWork came while one ran
}

func (s *slowRenewals) RenewJobWork(ctx context.Context, p store.RenewParams) error {
	if ctx.Done() == nil { // a retry's renewal: not the renewing goroutine's
		return s.Store.RenewJobWork(ctx, p)
	}
	s.mu.Lock()
	s.running++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running--
		s.mu.Unlock()
	}()
	select {
	case s.renewing <- struct{}{}:
	default:
	}
	<-ctx.Done()
	// Late, not a measure: it widens the moment in which a renewal that
	// nobody waits for is seen still running.
	time.Sleep(100 * time.Millisecond)
	return ctx.Err()
}

func (s *slowRenewals) ReleaseJobWork(ctx context.Context, p store.ReleaseParams) error {
	s.mu.Lock()
	s.releasedUnder = s.releasedUnder || s.running > 0
	s.mu.Unlock()
	return s.Store.ReleaseJobWork(ctx, p)
}

func (s *slowRenewals) renewalsRunning() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// TestStopJoinsRenewal stops the pipeline while a step runs and its lease
// is being renewed: Stop returns only after the renewal has, and the lease
// is released after it, so nothing of the pipeline uses the store once
// Stop has returned (serve closes the database then).
func TestStopJoinsRenewal(t *testing.T) {
	t.Parallel()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the artwork URL never answers: the fetch step runs until stopped
	}))
	t.Cleanup(hang.Close)
	e := setup(t, storetest.SQLite(t))
	slow := &slowRenewals{Store: e.st, renewing: make(chan struct{}, 1)}
	flow := *e.flow
	flow.Store = slow
	p := e.pipeline(t, func(c *Config) {
		c.Flow, c.Workers, c.Lease, c.FetchTimeout = &flow, 1, 300*time.Millisecond, time.Hour
	})
	j := e.newJob(t, hang.URL+"/a.pdf")
	p.Notify()
	select {
	case <-slow.renewing:
	case <-time.After(30 * time.Second):
		t.Fatal("the lease was never renewed")
	}
	p.Stop()
	if n := slow.renewalsRunning(); n != 0 {
		t.Errorf("Stop returned while %d lease renewals still ran", n)
	}
	slow.mu.Lock()
	if slow.releasedUnder {
		t.Error("the lease was released while its renewal still ran")
	}
	slow.mu.Unlock()
	claimed, err := e.st.ClaimJobWork(t.Context(), store.ClaimParams{Now: time.Now(), Lease: time.Minute, Limit: 1, Worker: "next"})
	if err != nil || len(claimed) != 1 || claimed[0].ID != j.ID {
		t.Errorf("after Stop another worker claims %v, %v; want the job at once, its lease released", claimed, err)
	}
}
