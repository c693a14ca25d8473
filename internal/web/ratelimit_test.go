package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// TestRateLimitAcrossServers: two servers on one database, as two
// processes behind a load balancer, give an address one allowance between
// them, not one each.
func TestRateLimitAcrossServers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		var urls []string
		for range 2 {
			w := New(Deps{Store: st, Workflow: &workflow.Service{Store: st}, DataDir: t.TempDir(),
				PublicURL: "http://127.0.0.1", RequestsPerSecond: 0.01, Burst: 4})
			mux := http.NewServeMux()
			w.Register(mux)
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			t.Cleanup(w.Close)
			urls = append(urls, srv.URL)
		}
		c := &http.Client{}
		for i := range 4 {
			if status, _ := get(t, c, urls[i%2]+"/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); status != http.StatusNotFound {
				t.Fatalf("request %d, within the burst: %d", i, status)
			}
		}
		for i, u := range urls {
			resp, err := c.Get(u + "/u/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Errorf("server %d past the shared burst: %d, Retry-After %q", i, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}
	})
}

// TestLimiterJudge: the sliding window allows the burst at once, then rate
// requests a second, and says how long until the next request is allowed.
func TestLimiterJudge(t *testing.T) {
	t.Parallel()
	l := newLimiter(nil, 10, 200, time.Now, nil) // windows of 20 s
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name          string
		hits, prev    int
		into          time.Duration // time since the window started
		ok            bool
		wait          time.Duration
		waitTolerance time.Duration
	}{
		{name: "the burst at once", hits: 200, into: time.Second, ok: true},
		{name: "one past the burst", hits: 201, into: 5 * time.Second, wait: 15*time.Second + 199*time.Millisecond, waitTolerance: time.Millisecond},
		{name: "previous window spent, its share still full", hits: 1, prev: 200, ok: false, wait: 200 * time.Millisecond},
		{name: "previous window spent, a second later", hits: 10, prev: 200, into: time.Second, ok: true},
		{name: "previous window spent, too fast since", hits: 20, prev: 200, into: time.Second, wait: 1100 * time.Millisecond, waitTolerance: time.Millisecond},
		{name: "a sustained ten a second", hits: 100, prev: 200, into: 10 * time.Second, ok: true},
		{name: "previous window half over", hits: 1, prev: 390, into: 10 * time.Second, ok: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, wait := l.judge(store.RateCount{Window: start, Hits: tt.hits, PreviousHits: tt.prev}, start.Add(tt.into))
			if ok != tt.ok {
				t.Fatalf("allowed = %v, want %v", ok, tt.ok)
			}
			if d := wait - tt.wait; d < -tt.waitTolerance || d > tt.waitTolerance {
				t.Errorf("wait = %s, want %s", wait, tt.wait)
			}
		})
	}
}
