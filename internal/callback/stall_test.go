package callback

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/pgtest"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/pkg/webhook"
)

// timeline notes when each request a receiver got began and ended.
type timeline struct {
	mu    sync.Mutex
	spans [][2]time.Time
	seen  map[string]int // delivery/attempt → requests
}

func (tl *timeline) answer(delay time.Duration) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		start := time.Now()
		time.Sleep(delay)
		tl.mu.Lock()
		tl.spans = append(tl.spans, [2]time.Time{start, time.Now()})
		tl.seen[r.Header.Get(webhook.HeaderDelivery)+"/"+r.Header.Get(webhook.HeaderAttempt)]++
		tl.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

// check returns the most requests the receiver had under way at once and
// the longest time, between its first request and its last, during which
// it had fewer than full under way: a slot of its host that nobody used
// while deliveries to it waited.
func (tl *timeline) check(full int) (most int, idle time.Duration) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	var lastStart time.Time
	for _, s := range tl.spans {
		edges = append(edges, edge{s[0], +1}, edge{s[1], -1})
		if s[0].After(lastStart) {
			lastStart = s[0]
		}
	}
	// An end before a start at the same instant: a slot handed on.
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.delta - b.delta
	})
	n := 0
	var short time.Time // since when fewer than full were under way
	for _, e := range edges {
		if e.at.After(lastStart) {
			break // the tail: fewer than full are left to send
		}
		n += e.delta
		most = max(most, n)
		switch {
		case n < full && short.IsZero():
			short = e.at
		case n >= full && !short.IsZero():
			idle = max(idle, e.at.Sub(short))
			short = time.Time{}
		}
	}
	return most, idle
}

// stallBound is the longest a receiver's free slot may stay unused while
// its deliveries wait, in TestNoDeliveryWaitsForItsLease.
const stallBound = 3 * time.Second

// TestNoDeliveryWaitsForItsLease is issue #17's delivery stall: a burst of
// 2,000 events to receivers that answer in 200 ms, sent by two workers as
// two processes would. No receiver ever has more than PerHost attempts in
// flight, counting both workers, and none has a free slot for long while
// its deliveries wait: no delivery waits for a lease to run out. Every event arrives once, as attempt 1.
func TestNoDeliveryWaitsForItsLease(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2,000-event burst takes about 15 s")
	}
	t.Parallel()
	forEachTwoProcesses(t, func(t *testing.T, stores [2]store.Store) {
		const events, hosts, perHost = 2000, 4, 8
		st := stores[0]
		tn := newTenant(t, st)
		var lines [hosts]*timeline
		var urls [hosts]string
		for i := range lines {
			lines[i] = &timeline{seen: map[string]int{}}
			urls[i] = newReceiver(t, lines[i].answer(200*time.Millisecond)).URL
		}
		for i := range events {
			move(t, st, newJob(t, st, tn.ID, urls[i%hosts]), job.Uploaded, 3)
		}
		logs := &syncBuffer{}
		cfg := testConfig(st, logs)
		cfg.PerHost, cfg.Concurrency = perHost, 16
		var workers []*Worker
		for i := range 2 {
			cfg.Name, cfg.Store = fmt.Sprint("process-", i), stores[i]
			workers = append(workers, startWorker(t, cfg))
		}
		for _, w := range workers {
			w.Notify()
		}
		// About 13 s at full speed (2,000 × 200 ms / 32 slots); the
		// deadline only keeps a stalled worker from hanging the test.
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			n := 0
			for _, tl := range lines {
				tl.mu.Lock()
				n += len(tl.spans)
				tl.mu.Unlock()
			}
			if n >= events {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events arrived in 2 minutes", n, events)
			}
		}
		for i, tl := range lines {
			most, idle := tl.check(perHost)
			if most > perHost {
				t.Errorf("receiver %d had %d attempts under way at once, want at most %d", i, most, perHost)
			}
			// The aim is a second; quiet runs here show 0.05 to 0.55 s, loaded ones about 1 s.
			// The test fails at stallBound, which a loaded CI machine
			// does not reach and a delivery waiting for its lease (10 s)
			// does.
			if idle > stallBound {
				t.Errorf("receiver %d had a free slot for %s while its deliveries waited, want at most %s",
					i, idle.Round(time.Millisecond), stallBound)
			}
			for k, n := range tl.seen {
				if n != 1 || k[len(k)-2:] != "/1" {
					t.Errorf("receiver %d got %s %d times; want each delivery once, as attempt 1", i, k, n)
				}
			}
			t.Logf("receiver %d: at most %d under way, longest free slot %s", i, most, idle.Round(time.Millisecond))
		}
		if t.Failed() {
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") {
					t.Log(line)
				}
			}
		}
	})
}

// TestHeartbeatKeepsALongAttempt sends to a receiver that answers after
// several leases: the worker renews its lease while it waits, so a second
// worker, polling all the while, never sends the delivery again.
func TestHeartbeatKeepsALongAttempt(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		tl := &timeline{seen: map[string]int{}}
		rc := newReceiver(t, tl.answer(3500*time.Millisecond))
		tn := newTenant(t, st)
		_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 3)
		cfg := testConfig(st, &syncBuffer{})
		cfg.Lease, cfg.Timeout = time.Second, 10*time.Second
		cfg.Client = netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: cfg.Timeout})
		cfg.Name = "first"
		first := startWorker(t, cfg)
		first.Notify()
		waitFor(t, "the attempt to start", func() bool { return len(rc.requests()) == 1 })
		cfg.Name, cfg.PollInterval = "second", 100*time.Millisecond
		startWorker(t, cfg)
		waitFor(t, "the delivery", func() bool {
			return delivery(t, st, tn.ID, del).State == store.DeliveryDelivered
		})
		time.Sleep(500 * time.Millisecond) // a second attempt would have begun by now
		if n := len(rc.requests()); n != 1 {
			t.Errorf("the receiver got %d requests, want 1: the lease was lost while the attempt ran", n)
		}
	})
}

// forEachTwoProcesses runs fn on SQLite and PostgreSQL with the stores of
// two processes: on PostgreSQL two stores, each with its own pool, on one
// database, as two processes would have; on SQLite, which one process
// holds alone, the one store twice.
func forEachTwoProcesses(t *testing.T, fn func(t *testing.T, stores [2]store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st := storetest.SQLite(t)
		fn(t, [2]store.Store{st, st})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		var stores [2]store.Store
		for i := range stores {
			db, err := postgres.Open(t.Context(), url, postgres.Pool{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			if _, err := db.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			stores[i] = db
		}
		fn(t, stores)
	})
}
