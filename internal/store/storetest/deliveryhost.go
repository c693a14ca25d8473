package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/store"
)

// pingTo creates a ping to url due at due.
func pingTo(t *testing.T, s store.Store, tenantID, url string, due time.Time) store.Delivery {
	t.Helper()
	d := ping(tenantID, due)
	d.URL = url
	if err := s.CreateDelivery(t.Context(), d); err != nil {
		t.Fatalf("create delivery: %v", err)
	}
	return d
}

// testClaimPerHost checks that the per-host limit counts every worker's
// leases: two workers, as two processes would, never hold more than
// PerHost deliveries to one host between them, a host at its limit does
// not keep the next host's deliveries from being claimed, and a slot
// freed by an attempt recorded is taken by the next claim.
func testClaimPerHost(t *testing.T, s store.Store) {
	tn := newTenant(t, s, "acme")
	slow := "https://slow.example.com/hook"
	other := "https://OTHER.example.com:443/hook" // one host, spelled otherwise below
	for i := range 6 {
		pingTo(t, s, tn.ID, slow, at(time.Duration(i)*time.Millisecond))
	}
	for i := range 3 {
		pingTo(t, s, tn.ID, other, at(time.Second+time.Duration(i)*time.Millisecond))
	}
	claimN := func(worker string, limit int) []store.ClaimedDelivery {
		t.Helper()
		cs, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{Now: at(time.Minute), Lease: lease,
			Limit: limit, PerHost: 2, Worker: worker})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	byHost := func(cs []store.ClaimedDelivery) map[string]int {
		n := map[string]int{}
		for _, c := range cs {
			n[store.HostKey(c.Delivery.URL)]++
		}
		return n
	}
	slowKey, otherKey := store.HostKey(slow), store.HostKey("https://other.example.com/x")
	first := claimN("p1", 1)
	if len(first) != 1 || store.HostKey(first[0].Delivery.URL) != slowKey {
		t.Fatalf("p1 claimed %v, want the earliest, to the slow host", byHost(first))
	}
	// p2 may take one more of the slow host (2 in all) and then the other
	// host's, which lie behind four more of the slow host's in due order.
	second := claimN("p2", 10)
	if got := byHost(second); got[slowKey] != 1 || got[otherKey] != 2 || len(second) != 3 {
		t.Fatalf("p2 claimed %v, want 1 to %s and 2 to %s", got, slowKey, otherKey)
	}
	if cs := claimN("p1", 10); len(cs) != 0 {
		t.Fatalf("p1 claimed %v with both hosts at their limit", byHost(cs))
	}
	if _, err := record(t, s, first[0].Delivery.ID, "p1", store.DeliveryDelivered, 204, at(time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if cs := claimN("p1", 10); len(cs) != 1 || store.HostKey(cs[0].Delivery.URL) != slowKey {
		t.Fatalf("after one attempt to the slow host was recorded, p1 claimed %v, want 1 to it", byHost(cs))
	}
	// A lease that ran out frees its slot: its holder is gone.
	cs, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{Now: at(time.Minute + lease + time.Second),
		Lease: lease, Limit: 10, PerHost: 2, Worker: "p3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := byHost(cs); got[slowKey] != 2 || got[otherKey] != 2 {
		t.Errorf("after every lease ran out p3 claimed %v, want 2 to each host", got)
	}
}

// testRenewDeliveries checks the heartbeat and the release: a renewed
// lease outlives its first end, a lease another worker holds is left
// alone, and a lease moved to now is claimable at once.
func testRenewDeliveries(t *testing.T, s store.Store) {
	tn := newTenant(t, s, "acme")
	d := newPing(t, s, tn.ID, at(0))
	if cs := claim(t, s, at(0), "w1"); len(cs) != 1 {
		t.Fatalf("claimed %d, want 1", len(cs))
	}
	renew := func(worker string, until time.Time) {
		t.Helper()
		if err := s.RenewDeliveries(t.Context(), store.RenewDeliveriesParams{Worker: worker,
			IDs: []string{d.ID}, Until: until}); err != nil {
			t.Fatal(err)
		}
	}
	renew("w1", at(3*lease))
	if cs := claim(t, s, at(2*lease), "w2"); len(cs) != 0 {
		t.Fatal("w2 claimed a lease w1 renewed")
	}
	renew("w2", at(0)) // not w2's: nothing happens
	if cs := claim(t, s, at(2*lease), "w2"); len(cs) != 0 {
		t.Fatal("w2 released a lease that is w1's")
	}
	renew("w1", at(lease)) // the release: its end is the time of the next claim
	cs := claim(t, s, at(lease), "w2")
	if len(cs) != 1 || cs[0].Attempt != 2 {
		t.Fatalf("after w1's release w2 claimed %+v, want the delivery as attempt 2", cs)
	}
	if err := s.RenewDeliveries(t.Context(), store.RenewDeliveriesParams{Worker: "w2"}); err != nil {
		t.Errorf("renewing nothing: %v", err)
	}
}

// testRecordAttempts records a batch in which one attempt lost its lease:
// the others are recorded, that one is ErrStale and changes nothing.
func testRecordAttempts(t *testing.T, s store.Store) {
	tn := newTenant(t, s, "acme")
	a, b, c := newPing(t, s, tn.ID, at(0)), newPing(t, s, tn.ID, at(0)), newPing(t, s, tn.ID, at(0))
	if cs := claim(t, s, at(0), "w1"); len(cs) != 3 {
		t.Fatalf("claimed %d, want 3", len(cs))
	}
	// b's lease runs out and w2 takes it.
	if err := s.RenewDeliveries(t.Context(), store.RenewDeliveriesParams{Worker: "w1", IDs: []string{b.ID}, Until: at(0)}); err != nil {
		t.Fatal(err)
	}
	if cs := claim(t, s, at(0), "w2"); len(cs) != 1 || cs[0].Delivery.ID != b.ID {
		t.Fatalf("w2 claimed %v, want %s", ids(cs, claimedID), b.ID)
	}
	attempt := func(d store.Delivery, outcome string) store.AttemptParams {
		return store.AttemptParams{DeliveryID: d.ID, Worker: "w1", Outcome: outcome, NextAttemptAt: at(time.Minute),
			Attempt: store.Attempt{ID: id.New(id.Attempt), DeliveryID: d.ID, StartedAt: at(0), Duration: time.Millisecond, StatusCode: 204}}
	}
	// The last attempt names a again: the first one ended its lease.
	errs, err := s.RecordAttempts(t.Context(), []store.AttemptParams{
		attempt(a, store.DeliveryDelivered), attempt(b, store.DeliveryDelivered), attempt(c, store.DeliveryPending),
		attempt(a, store.DeliveryFailed)})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 4 || errs[0] != nil || !errors.Is(errs[1], store.ErrStale) || errs[2] != nil || !errors.Is(errs[3], store.ErrStale) {
		t.Fatalf("errs = %v, want nil, ErrStale, nil, ErrStale", errs)
	}
	for _, d := range []store.Delivery{a, c} {
		as, err := s.ListAttempts(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != 1 || as[0].Number != 1 || as[0].StatusCode != 204 || as[0].Duration != time.Millisecond {
			t.Errorf("attempts of %s: %+v, want one, number 1, 204 in 1ms", d.ID, as)
		}
	}
	for _, want := range []struct {
		d     store.Delivery
		state string
		n     int
	}{{a, store.DeliveryDelivered, 1}, {b, store.DeliveryPending, 0}, {c, store.DeliveryPending, 1}} {
		got, err := s.Delivery(t.Context(), tn.ID, want.d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != want.state || got.Attempts != want.n {
			t.Errorf("%s is %s after %d attempts, want %s after %d", want.d.ID, got.State, got.Attempts, want.state, want.n)
		}
	}
	if errs, err := s.RecordAttempts(t.Context(), nil); err != nil || len(errs) != 0 {
		t.Errorf("recording nothing: %v, %v", errs, err)
	}
}

// testRenewWhileRecording runs a worker's heartbeat and its batches of
// recorded attempts at once on the same leased deliveries, as the callback
// worker does. The batches come in the reverse of the order the heartbeat
// lists them in; on PostgreSQL, rows locked in different orders by two
// transactions deadlock, and the database then aborts one, losing a batch
// of attempts that were sent. Every attempt must be recorded.
func testRenewWhileRecording(t *testing.T, s store.Store) {
	tn := newTenant(t, s, "acme")
	const n, batches = 48, 4
	for round := range 8 {
		for range n {
			newPing(t, s, tn.ID, at(0))
		}
		cs, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{Now: at(0), Lease: lease, Limit: n, Worker: "w1"})
		if err != nil || len(cs) != n {
			t.Fatalf("round %d: claimed %d, %v; want %d", round, len(cs), err, n)
		}
		all := ids(cs, claimedID)
		slices.Sort(all)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := s.RenewDeliveries(t.Context(), store.RenewDeliveriesParams{Worker: "w1", IDs: all, Until: at(lease)}); err != nil {
					t.Errorf("round %d: renew: %v", round, err)
					return
				}
			}
		})
		var recording sync.WaitGroup
		for b := range batches {
			recording.Go(func() {
				var ps []store.AttemptParams
				for i := n - 1 - b; i >= 0; i -= batches {
					ps = append(ps, store.AttemptParams{DeliveryID: all[i], Worker: "w1", Outcome: store.DeliveryDelivered,
						Attempt: store.Attempt{ID: id.New(id.Attempt), DeliveryID: all[i], StartedAt: at(0), Duration: time.Millisecond, StatusCode: 204}})
				}
				errs, err := s.RecordAttempts(t.Context(), ps)
				if err == nil {
					err = errors.Join(errs...)
				}
				if err != nil {
					t.Errorf("round %d: batch %d: %v", round, b, err)
				}
			})
		}
		recording.Wait()
		close(stop)
		wg.Wait()
		if t.Failed() {
			return
		}
	}
}
