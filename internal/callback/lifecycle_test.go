package callback

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// TestSlowHostDoesNotDelayOthers keeps one tenant's receiver hanging and
// checks that another tenant's deliveries, made later, still go out while
// every slot of the hanging host is taken.
func TestSlowHostDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		release := make(chan struct{})
		slow := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		fast := newReceiver(t, ok)
		slowTenant, fastTenant := newTenant(t, st), newTenant(t, st)
		cfg := testConfig(st, &syncBuffer{})
		cfg.Concurrency, cfg.PerHost = 4, 2
		cfg.Timeout = time.Minute // the slow host holds its slots for the whole test
		cfg.Client = netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: time.Minute})
		w := startWorker(t, cfg)
		t.Cleanup(func() { close(release) }) // runs before the worker's Stop
		for range 8 {
			move(t, st, newJob(t, st, slowTenant.ID, slow.URL), job.Uploaded, 3)
		}
		w.Notify()
		waitFor(t, "the slow host's slots to fill", func() bool { return len(slow.requests()) == cfg.PerHost })
		var ids []string
		for range 6 {
			_, del := move(t, st, newJob(t, st, fastTenant.ID, fast.URL), job.Uploaded, 3)
			ids = append(ids, del)
			w.Notify()
		}
		for _, del := range ids {
			waitFor(t, "the other tenant's deliveries", func() bool {
				return delivery(t, st, fastTenant.ID, del).State == store.DeliveryDelivered
			})
		}
		if n := len(slow.requests()); n != cfg.PerHost {
			t.Errorf("the slow host got %d requests at once, want at most PerHost = %d", n, cfg.PerHost)
		}
	})
}

// TestNotifyWakesTheWorker checks that a delivery goes out on Notify with
// polling effectively off.
func TestNotifyWakesTheWorker(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		rc := newReceiver(t, ok)
		tn := newTenant(t, st)
		w := startWorker(t, testConfig(st, &syncBuffer{})) // PollInterval: 1 h
		for i := range 3 {
			// Each job's first event: nothing but Notify can wake the
			// worker, which is idle once the previous one is delivered.
			_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 3)
			w.Notify()
			waitFor(t, "delivery after Notify", func() bool {
				return delivery(t, st, tn.ID, del).State == store.DeliveryDelivered
			})
			if n := len(rc.requests()); n != i+1 {
				t.Fatalf("receiver got %d requests, want %d", n, i+1)
			}
		}
	})
}

// TestStopFinishesInFlight stops the worker while an attempt is under way:
// Stop waits, and the attempt is recorded as delivered, not cut off.
func TestStopFinishesInFlight(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		arrived, release := make(chan struct{}), make(chan struct{})
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			close(arrived)
			<-release
			w.WriteHeader(http.StatusOK)
		})
		tn := newTenant(t, st)
		w := startWorker(t, testConfig(st, &syncBuffer{}))
		_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 3)
		w.Notify()
		<-arrived
		stopped := make(chan struct{})
		go func() { w.Stop(); close(stopped) }()
		waitFor(t, "Stop to end the claim loop", func() bool {
			w.mu.Lock()
			done := w.loopDone
			w.mu.Unlock()
			select {
			case <-done:
				return true
			default:
				return false
			}
		})
		select {
		case <-stopped:
			t.Fatal("Stop returned while an attempt was under way")
		default:
		}
		close(release)
		<-stopped
		if d := delivery(t, st, tn.ID, del); d.State != store.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("after Stop the delivery is %s after %d attempts, want delivered after 1", d.State, d.Attempts)
		}
		if len(rc.requests()) != 1 {
			t.Errorf("receiver got %d requests, want 1", len(rc.requests()))
		}
	})
}

// TestCancelCutsInFlight ends the context the worker was started with
// while an attempt is under way, as serve does once --shutdown-timeout
// has passed: Stop no longer waits for the receiver, and the attempt, cut
// off by us, is not recorded as one of the delivery's. The delivery is
// released: another worker claims it at once, as the next attempt, since
// the receiver may have seen the first.
func TestCancelCutsInFlight(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		arrived, release := make(chan struct{}), make(chan struct{})
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			close(arrived)
			select { // never answers
			case <-release:
			case <-r.Context().Done():
			}
		})
		t.Cleanup(func() { close(release) }) // runs before the receiver's Close
		tn := newTenant(t, st)
		logs := &syncBuffer{}
		cfg := testConfig(st, logs)
		cfg.Timeout = time.Hour
		cfg.Client = netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: time.Hour})
		w, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		if err := w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 3)
		w.Notify()
		<-arrived
		cancel()
		stopped := make(chan struct{})
		go func() { w.Stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Fatal("Stop waits for an attempt whose context has ended")
		}
		if d := delivery(t, st, tn.ID, del); d.State != store.DeliveryPending || d.Attempts != 0 {
			t.Errorf("after the cut the delivery is %s after %d attempts, want pending after 0", d.State, d.Attempts)
		}
		claimed, err := st.ClaimDeliveries(context.Background(), store.ClaimParams{
			Now: time.Now(), Lease: time.Minute, Limit: 10, Worker: "next",
		})
		if err != nil || len(claimed) != 1 || claimed[0].Attempt != 2 {
			t.Errorf("claim after the cut: %+v, %v; want the delivery, as attempt 2", claimed, err)
		}
		if strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("a cut made by shutdown is logged as an error:\n%s", logs.String())
		}
	})
}

// TestLeaseExpiryRecoversACrash claims deliveries as a worker that then
// dies without a word: a live worker sends them once the lease ends, as
// their second attempt, since the first may have reached the receiver
// before the crash.
func TestLeaseExpiryRecoversACrash(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		rc := newReceiver(t, ok)
		tn := newTenant(t, st)
		_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 3)
		claimed, err := st.ClaimDeliveries(context.Background(), store.ClaimParams{
			Now: time.Now(), Lease: time.Second, Limit: 10, Worker: "crashed",
		})
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim as the crashing worker: %d claimed, %v", len(claimed), err)
		}
		startWorker(t, testConfig(st, &syncBuffer{})) // no Notify: the lease's end wakes it
		waitFor(t, "delivery after the lease", func() bool {
			return delivery(t, st, tn.ID, del).State == store.DeliveryDelivered
		})
		reqs := rc.requests()
		if len(reqs) != 1 {
			t.Fatalf("receiver got %d requests, want 1", len(reqs))
		}
		checkRequest(t, reqs[0], tn.Secret, del, 2)
	})
}

// TestWorkerRefusesPrivateAddresses uses the default client, which refuses
// the loopback receiver at connect time: the attempt records why.
func TestWorkerRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		rc := newReceiver(t, ok)
		tn := newTenant(t, st)
		cfg := testConfig(st, &syncBuffer{})
		cfg.Client = nil // the default: netguard with the address check on
		w := startWorker(t, cfg)
		_, del := move(t, st, newJob(t, st, tn.ID, rc.URL), job.Uploaded, 1)
		w.Notify()
		waitFor(t, "failure", func() bool { return delivery(t, st, tn.ID, del).State == store.DeliveryFailed })
		d := delivery(t, st, tn.ID, del)
		// The error names the class of address, never the address: the
		// key holder who chose the URL reads it.
		if !strings.Contains(d.LastError, "not public (loopback)") || strings.Contains(d.LastError, "127.0.0.1") || d.LastStatus != 0 {
			t.Errorf("last error %q (status %d), want a refusal of a loopback address", d.LastError, d.LastStatus)
		}
		if len(rc.requests()) != 0 {
			t.Error("the receiver on loopback was reached")
		}
	})
}

// TestPing checks the test ping: synchronous, signed, answered with the
// receiver's status and words, recorded, and never a workflow exception.
func TestPing(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if strings.HasSuffix(r.URL.Path, "/broken") {
				http.Error(w, "no route for ping", http.StatusNotFound)
				return
			}
			w.Write([]byte("pong"))
		})
		tn := newTenant(t, st)
		w, err := New(testConfig(st, &syncBuffer{})) // Ping needs no running worker
		if err != nil {
			t.Fatal(err)
		}
		d, r, err := w.Ping(context.Background(), PingParams{TenantID: tn.ID, Livemode: true, URL: rc.URL})
		if err != nil {
			t.Fatal(err)
		}
		if !r.OK() || r.StatusCode != 200 || r.Response != "pong" {
			t.Errorf("ping result %+v, want 200 pong", r)
		}
		checkRequest(t, rc.requests()[0], tn.Secret, d.ID, 1)
		if p := rc.requests()[0].Payload; p.EventType != EventPing || p.SessionID != "" {
			t.Errorf("ping payload %+v", p)
		}
		if got := delivery(t, st, tn.ID, d.ID); got.State != store.DeliveryDelivered || got.LastStatus != 200 {
			t.Errorf("recorded ping %+v, want delivered with 200", got)
		}

		d, r, err = w.Ping(context.Background(), PingParams{TenantID: tn.ID, Livemode: true, URL: strings.TrimSuffix(rc.URL, "/hooks/submit") + "/broken"})
		if err != nil {
			t.Fatal(err)
		}
		if r.OK() || r.StatusCode != 404 || !strings.Contains(r.Response, "no route for ping") {
			t.Errorf("ping result %+v, want 404 with the receiver's words", r)
		}
		if got := delivery(t, st, tn.ID, d.ID); got.State != store.DeliveryResolved || got.ResolvedNote != PingNote {
			t.Errorf("recorded failed ping %+v, want resolved with the ping note", got)
		}
		ex, err := st.ListExceptions(context.Background(), store.ListExceptionsParams{TenantID: tn.ID, Livemode: true, Limit: 10})
		if err != nil || len(ex) != 0 {
			t.Errorf("exceptions after a failed ping: %v, %v; want none", ex, err)
		}
	})
}

// TestNewChecksConfig refuses what cannot work.
func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := New(Config{Store: fakeStore{}, Schedule: Schedule{time.Minute, 0}}); err == nil {
		t.Error("New with a decreasing schedule succeeded")
	}
	w, err := New(Config{Store: fakeStore{}, Timeout: time.Second, Lease: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if w.cfg.Lease < minLease {
		t.Errorf("lease %s is shorter than the least the heartbeat can keep, %s", w.cfg.Lease, minLease)
	}
}

// fakeStore satisfies store.Store for tests that never reach it.
type fakeStore struct{ store.Store }
