package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
)

// runLimit runs the tests of store.LimitStore.
func runLimit(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RateLimitWindows", testRateLimitWindows},
		{"RateLimitConcurrentHits", testRateLimitConcurrentHits},
		{"SignInTries", testSignInTries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

func hit(t *testing.T, s store.Store, subject string, window time.Time) store.RateCount {
	t.Helper()
	c, err := s.HitRateLimit(t.Context(), store.HitRateLimitParams{Subject: subject, Window: window, Length: time.Minute})
	if err != nil {
		t.Fatalf("hit %s at %s: %v", subject, window, err)
	}
	return c
}

// testRateLimitWindows: hits count in their window, the window before is
// kept as the previous count, an older one is forgotten, and a hit from a
// clock that is behind counts in the stored window.
func testRateLimitWindows(t *testing.T, s store.Store) {
	w0 := at(0)
	for i := 1; i <= 3; i++ {
		if c := hit(t, s, "a", w0); c.Hits != i || c.PreviousHits != 0 || !c.Window.Equal(w0) {
			t.Fatalf("hit %d in the first window: %+v", i, c)
		}
	}
	if c := hit(t, s, "b", w0); c.Hits != 1 {
		t.Errorf("another subject shares the count: %+v", c)
	}
	w1 := w0.Add(time.Minute)
	if c := hit(t, s, "a", w1); c.Hits != 1 || c.PreviousHits != 3 || !c.Window.Equal(w1) {
		t.Errorf("first hit of the next window: %+v, want 1 and 3 before", c)
	}
	if c := hit(t, s, "a", w0); c.Hits != 2 || c.PreviousHits != 3 || !c.Window.Equal(w1) {
		t.Errorf("a hit stamped with the window before: %+v, want it counted in the stored window", c)
	}
	if c := hit(t, s, "a", w1.Add(5*time.Minute)); c.Hits != 1 || c.PreviousHits != 0 {
		t.Errorf("a hit after windows without any: %+v, want 1 and 0 before", c)
	}
	// b's window is over: swept. a's is not.
	n, err := s.DeleteRateLimits(t.Context(), w1)
	if err != nil || n != 1 {
		t.Fatalf("DeleteRateLimits = %d, %v; want 1", n, err)
	}
	if c := hit(t, s, "b", w1); c.Hits != 1 || c.PreviousHits != 0 {
		t.Errorf("b after the sweep: %+v, want a fresh count", c)
	}
	if c := hit(t, s, "a", w1.Add(5*time.Minute)); c.Hits != 2 {
		t.Errorf("a after the sweep: %+v, want its count kept", c)
	}
}

// testRateLimitConcurrentHits: hits at once, as from several processes,
// each see a count of their own, and none is lost.
func testRateLimitConcurrentHits(t *testing.T, s store.Store) {
	const n = 40
	var wg sync.WaitGroup
	seen := make([]bool, n+1)
	var mu sync.Mutex
	for range n {
		wg.Go(func() {
			c, err := s.HitRateLimit(t.Context(), store.HitRateLimitParams{Subject: "a", Window: at(0), Length: time.Minute})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if c.Hits < 1 || c.Hits > n || seen[c.Hits] {
				t.Errorf("count %d twice or out of range", c.Hits)
				return
			}
			seen[c.Hits] = true
		})
	}
	wg.Wait()
	if c := hit(t, s, "a", at(0)); c.Hits != n+1 {
		t.Errorf("after %d hits at once: %d, want %d", n, c.Hits-1, n)
	}
}

func testSignInTries(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i, try := range []store.SignInTry{
		{ID: "t1", Subject: "email:a", At: at(0)},
		{ID: "t2", Subject: "email:a", At: at(time.Minute)},
		{ID: "t3", Subject: "email:a", At: at(2 * time.Minute)},
		{ID: "t4", Subject: "ip:1", At: at(2 * time.Minute)},
	} {
		if err := s.CreateSignInTry(ctx, try); err != nil {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	if err := s.CreateSignInTry(ctx, store.SignInTry{ID: "t1", Subject: "email:b", At: at(0)}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a taken id: %v, want ErrConflict", err)
	}
	list := func(subject string, since time.Time, limit int) []string {
		t.Helper()
		ts, err := s.ListSignInTries(ctx, store.ListSignInTriesParams{Subject: subject, Since: since, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, tr := range ts {
			ids = append(ids, tr.ID)
		}
		return ids
	}
	if got := list("email:a", at(time.Minute), 10); !slices.Equal(got, []string{"t3", "t2"}) {
		t.Errorf("tries since a minute in: %v, want newest first [t3 t2]", got)
	}
	if got := list("email:a", at(0), 1); !slices.Equal(got, []string{"t3"}) {
		t.Errorf("limit 1: %v", got)
	}
	ts, _ := s.ListSignInTries(ctx, store.ListSignInTriesParams{Subject: "ip:1", Since: at(0), Limit: 10})
	if len(ts) != 1 || ts[0].Subject != "ip:1" || !ts[0].At.Equal(at(2*time.Minute)) {
		t.Errorf("ip tries: %+v", ts)
	}
	del := func(p store.DeleteSignInTriesParams, want int64) {
		t.Helper()
		if n, err := s.DeleteSignInTries(ctx, p); err != nil || n != want {
			t.Errorf("DeleteSignInTries(%+v) = %d, %v; want %d", p, n, err, want)
		}
	}
	del(store.DeleteSignInTriesParams{Before: at(time.Minute)}, 1) // t1
	del(store.DeleteSignInTriesParams{ID: "t2"}, 1)
	del(store.DeleteSignInTriesParams{Subject: "email:a"}, 1) // t3
	if got := list("ip:1", at(0), 10); !slices.Equal(got, []string{"t4"}) {
		t.Errorf("another subject's try went too: %v", got)
	}
	if _, err := s.DeleteSignInTries(ctx, store.DeleteSignInTriesParams{}); err == nil {
		t.Error("a delete that selects nothing was accepted")
	}
}
