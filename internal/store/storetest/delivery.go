package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

const (
	hookA = "https://erp.example.com/hooks/a"
	hookB = "https://erp.example.com/hooks/b"
	lease = time.Minute
)

// ping returns a delivery without job or event, due at due.
func ping(tenantID string, due time.Time) store.Delivery {
	return store.Delivery{ID: id.New(id.Delivery), TenantID: tenantID, Livemode: true, URL: hookA,
		State: store.DeliveryPending, AttemptsLeft: 2, NextAttemptAt: due, CreatedAt: due}
}

// newPing creates ping(…) in s.
func newPing(t *testing.T, s store.Store, tenantID string, due time.Time) store.Delivery {
	t.Helper()
	d := ping(tenantID, due)
	if err := s.CreateDelivery(t.Context(), d); err != nil {
		t.Fatalf("create delivery: %v", err)
	}
	return d
}

// claim leases up to 10 deliveries due at now to worker for a minute.
func claim(t *testing.T, s store.Store, now time.Time, worker string) []store.ClaimedDelivery {
	t.Helper()
	cs, err := s.ClaimDeliveries(t.Context(), store.ClaimParams{Now: now, Lease: lease, Limit: 10, Worker: worker})
	if err != nil {
		t.Fatalf("claim at %s: %v", now, err)
	}
	return cs
}

// record stores an attempt started at started that took a second.
func record(t *testing.T, s store.Store, deliveryID, worker, outcome string, status int, started, next time.Time) (store.Delivery, error) {
	t.Helper()
	a := store.Attempt{ID: id.New(id.Attempt), DeliveryID: deliveryID, StartedAt: started,
		Duration: time.Second + 1500*time.Microsecond, StatusCode: status, Response: "body"}
	if status >= 300 || status == 0 {
		a.Error = "no 2xx"
	}
	return s.RecordAttempt(t.Context(), store.AttemptParams{DeliveryID: deliveryID, Worker: worker,
		Attempt: a, Outcome: outcome, NextAttemptAt: next})
}

func testClaimAndRecord(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	e := move(t, s, j, job.Uploaded, at(time.Minute), hookA)
	if cs := claim(t, s, at(time.Minute-time.Microsecond), "w1"); len(cs) != 0 {
		t.Fatalf("claimed %d deliveries before they were due", len(cs))
	}
	cs := claim(t, s, at(time.Minute), "w1")
	if len(cs) != 1 || cs[0].Event == nil {
		t.Fatalf("claimed %+v, want one delivery with its event", cs)
	}
	equal(t, "claimed event", *cs[0].Event, e)
	d := cs[0].Delivery
	if d.EventID != e.ID || d.Sequence != 1 || d.Attempts != 0 || d.AttemptsLeft != 7 {
		t.Errorf("claimed delivery = %+v", d)
	}
	if cs := claim(t, s, at(time.Minute+10*time.Second), "w2"); len(cs) != 0 {
		t.Fatalf("w2 claimed a delivery w1 holds")
	}
	if _, err := record(t, s, d.ID, "w2", store.DeliveryDelivered, 200, at(time.Minute), time.Time{}); !errors.Is(err, store.ErrStale) {
		t.Errorf("RecordAttempt by a worker without the lease: %v, want ErrStale", err)
	}
	if _, err := record(t, s, id.New(id.Delivery), "w1", store.DeliveryDelivered, 200, at(time.Minute), time.Time{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RecordAttempt on an unknown delivery: %v, want ErrNotFound", err)
	}

	got, err := record(t, s, d.ID, "w1", store.DeliveryPending, 500, at(time.Minute), at(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	d.Attempts, d.AttemptsLeft, d.LastStatus, d.LastError = 1, 6, 500, "no 2xx"
	d.LastAttemptAt, d.NextAttemptAt = new(at(time.Minute)), at(2*time.Minute)
	equal(t, "delivery after a failed attempt", got, d)
	if cs := claim(t, s, at(2*time.Minute-time.Microsecond), "w1"); len(cs) != 0 {
		t.Errorf("claimed a delivery before its retry was due")
	}
	if _, err := record(t, s, d.ID, "w1", store.DeliveryDelivered, 200, at(time.Minute), time.Time{}); !errors.Is(err, store.ErrStale) {
		t.Errorf("RecordAttempt after the lease was cleared: %v, want ErrStale", err)
	}

	if cs = claim(t, s, at(2*time.Minute), "w1"); len(cs) != 1 {
		t.Fatalf("claimed %d deliveries at the retry, want 1", len(cs))
	}
	if got, err = record(t, s, d.ID, "w1", store.DeliveryDelivered, 204, at(2*time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	d.State, d.Attempts, d.AttemptsLeft, d.LastStatus, d.LastError = store.DeliveryDelivered, 2, 5, 204, ""
	d.LastAttemptAt, d.DeliveredAt = new(at(2*time.Minute)), new(at(2*time.Minute+time.Second+1500*time.Microsecond))
	equal(t, "delivery after success", got, d)
	if stored, err := s.Delivery(ctx, tn.ID, d.ID); err != nil {
		t.Fatal(err)
	} else {
		equal(t, "stored delivery", stored, d)
	}
	if cs := claim(t, s, at(time.Hour), "w1"); len(cs) != 0 {
		t.Errorf("claimed a delivered delivery")
	}

	as, err := s.ListAttempts(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 {
		t.Fatalf("%d attempts, want 2", len(as))
	}
	equal(t, "second attempt", as[1], store.Attempt{ID: as[1].ID, DeliveryID: d.ID, Number: 2,
		StartedAt: at(2 * time.Minute), Duration: time.Second + 1500*time.Microsecond, StatusCode: 204, Response: "body"})
	if as[0].Number != 1 || as[0].StatusCode != 500 || as[0].Error != "no 2xx" {
		t.Errorf("first attempt = %+v", as[0])
	}
}

// testClaimOrdering: a job's events are first attempted in sequence order,
// per callback URL.
func testClaimOrdering(t *testing.T, s store.Store) {
	tn := newTenant(t, s, "acme")
	j := newJob(t, s, tn.ID, at(0))
	k := newJob(t, s, tn.ID, at(time.Second))
	move(t, s, j, job.Uploaded, at(time.Minute), hookA)
	move(t, s, j, job.Preflighting, at(2*time.Minute), hookA)
	ds, err := s.ListDeliveries(t.Context(), tn.ID, j.ID)
	if err != nil || len(ds) != 2 {
		t.Fatalf("ListDeliveries = %d, %v", len(ds), err)
	}
	first, second := ds[0], ds[1]
	third := newPing(t, s, tn.ID, at(3*time.Minute))
	// A redelivery of j's second event to another URL does not wait.
	other := second
	other.ID, other.URL, other.NextAttemptAt = id.New(id.Delivery), hookB, at(4*time.Minute)
	if err := s.CreateDelivery(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	move(t, s, k, job.Uploaded, at(5*time.Minute), hookA)

	cs := claim(t, s, at(time.Hour), "w1")
	if len(cs) != 4 {
		t.Fatalf("claimed %v, want 4", ids(cs, claimedID))
	}
	equal(t, "first claim", ids(cs, claimedID)[:3], []string{first.ID, third.ID, other.ID})
	if cs[3].Delivery.JobID != k.ID {
		t.Errorf("fourth claimed = %+v, want k's delivery", cs[3].Delivery)
	}
	// The first event is leased but not attempted: the second still waits.
	if cs := claim(t, s, at(time.Hour+lease/2), "w2"); len(cs) != 0 {
		t.Fatalf("claimed %v while the first event was in flight", ids(cs, claimedID))
	}
	if _, err := record(t, s, first.ID, "w1", store.DeliveryPending, 503, at(time.Hour), at(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cs = claim(t, s, at(time.Hour+time.Second), "w2")
	equal(t, "claim after the first attempt", ids(cs, claimedID), []string{second.ID})
	if cs[0].Event == nil || cs[0].Event.Sequence != 2 {
		t.Errorf("claimed event = %+v, want sequence 2", cs[0].Event)
	}
}

func testLeaseExpiry(t *testing.T, s store.Store) {
	tn := newTenant(t, s, "acme")
	d := newPing(t, s, tn.ID, at(0))
	if cs := claim(t, s, at(0), "w1"); len(cs) != 1 || cs[0].Event != nil || cs[0].Attempt != 1 {
		t.Fatalf("claimed %+v, want the ping without event, as attempt 1", cs)
	}
	if cs := claim(t, s, at(lease-time.Microsecond), "w2"); len(cs) != 0 {
		t.Fatalf("w2 claimed during w1's lease")
	}
	cs := claim(t, s, at(lease+time.Second), "w2")
	if len(cs) != 1 || cs[0].Delivery.ID != d.ID {
		t.Fatalf("w2 claimed %v after the lease expired, want %s", ids(cs, claimedID), d.ID)
	}
	// w1 may have sent attempt 1 before it went silent: w2's is the next.
	if cs[0].Attempt != 2 {
		t.Errorf("w2's claim is for attempt %d, want 2", cs[0].Attempt)
	}
	if _, err := record(t, s, d.ID, "w1", store.DeliveryDelivered, 200, at(0), time.Time{}); !errors.Is(err, store.ErrStale) {
		t.Errorf("RecordAttempt with a lost lease: %v, want ErrStale", err)
	}
	got, err := record(t, s, d.ID, "w2", store.DeliveryFailed, 0, at(lease+time.Second), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.DeliveryFailed || got.Attempts != 1 || got.FailedAt == nil || got.LastStatus != 0 {
		t.Errorf("delivery after failing for good = %+v", got)
	}
	as, err := s.ListAttempts(t.Context(), d.ID)
	if err != nil || len(as) != 1 || as[0].Number != 2 {
		t.Errorf("ListAttempts = %+v, %v; want only w2's attempt, number 2", as, err)
	}
}

func testExceptions(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	failed := func(tenantID string, livemode bool, url string, when time.Time) store.Delivery {
		d := ping(tenantID, when)
		d.Livemode, d.URL, d.State, d.FailedAt, d.Attempts, d.AttemptsLeft = livemode, url, store.DeliveryFailed, new(when), 7, 0
		if err := s.CreateDelivery(ctx, d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	a2 := failed(tn.ID, true, hookB, at(2*time.Hour))
	a1 := failed(tn.ID, true, hookA, at(time.Hour))
	a3 := failed(tn.ID, false, hookA, at(time.Hour))
	failed(other.ID, true, hookA, at(time.Hour))
	pending := newPing(t, s, tn.ID, at(0))

	list := func(p store.ListExceptionsParams) []string {
		t.Helper()
		ds, err := s.ListExceptions(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return ids(ds, deliveryID)
	}
	equal(t, "exceptions", list(store.ListExceptionsParams{TenantID: tn.ID, Livemode: true, Limit: 10}), []string{a1.ID, a2.ID})
	equal(t, "exceptions to B", list(store.ListExceptionsParams{TenantID: tn.ID, Livemode: true, URL: hookB, Limit: 10}), []string{a2.ID})
	equal(t, "test exceptions", list(store.ListExceptionsParams{TenantID: tn.ID, Limit: 10}), []string{a3.ID})
	equal(t, "one exception", list(store.ListExceptionsParams{TenantID: tn.ID, Livemode: true, Limit: 1}), []string{a1.ID})

	if _, err := s.ResolveDelivery(ctx, store.ResolveParams{TenantID: other.ID, DeliveryID: a1.ID, At: at(3 * time.Hour)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ResolveDelivery of another tenant's: %v, want ErrNotFound", err)
	}
	got, err := s.ResolveDelivery(ctx, store.ResolveParams{TenantID: tn.ID, DeliveryID: a1.ID, Note: "called them", At: at(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a1.State, a1.ResolvedAt, a1.ResolvedNote = store.DeliveryResolved, new(at(3*time.Hour)), "called them"
	equal(t, "resolved", got, a1)
	equal(t, "exceptions after resolving", list(store.ListExceptionsParams{TenantID: tn.ID, Livemode: true, Limit: 10}), []string{a2.ID})
	for _, d := range []store.Delivery{a1, pending} {
		if _, err := s.ResolveDelivery(ctx, store.ResolveParams{TenantID: tn.ID, DeliveryID: d.ID, At: at(4 * time.Hour)}); !errors.Is(err, store.ErrStale) {
			t.Errorf("ResolveDelivery of a %s delivery: %v, want ErrStale", d.State, err)
		}
	}
	if _, err := s.Delivery(ctx, other.ID, a2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delivery of another tenant's: %v, want ErrNotFound", err)
	}
}

func testRedeliver(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	j := newJob(t, s, tn.ID, at(0))
	move(t, s, j, job.Uploaded, at(time.Minute), hookA)
	cs := claim(t, s, at(time.Minute), "w1")
	if len(cs) != 1 {
		t.Fatalf("claimed %d, want 1", len(cs))
	}
	d, err := record(t, s, cs[0].Delivery.ID, "w1", store.DeliveryFailed, 500, at(time.Minute), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	redeliver := func(tenantID string, when time.Time) (store.Delivery, error) {
		return s.Redeliver(ctx, store.RedeliverParams{TenantID: tenantID, DeliveryID: d.ID, At: when, Attempts: 3})
	}
	if _, err := redeliver(other.ID, at(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Redeliver another tenant's: %v, want ErrNotFound", err)
	}
	got, err := redeliver(tn.ID, at(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	d.State, d.AttemptsLeft, d.NextAttemptAt, d.FailedAt = store.DeliveryPending, 3, at(time.Hour), nil
	equal(t, "redelivered", got, d)
	if got, err = redeliver(tn.ID, at(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	equal(t, "redelivering a pending delivery", got, d)

	if cs = claim(t, s, at(time.Hour), "w2"); len(cs) != 1 {
		t.Fatalf("claimed %d after redelivery, want 1", len(cs))
	}
	if d, err = record(t, s, d.ID, "w2", store.DeliveryDelivered, 200, at(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if d.Attempts != 2 || d.AttemptsLeft != 2 || d.DeliveredAt == nil {
		t.Errorf("after the redelivered attempt: %+v", d)
	}
	as, err := s.ListAttempts(ctx, d.ID)
	if err != nil || len(as) != 2 || as[0].Number != 1 || as[1].Number != 2 {
		t.Fatalf("attempts = %+v, %v; want numbers 1, 2", as, err)
	}

	// A delivered delivery, and a resolved one, can be sent again.
	if got, err = redeliver(tn.ID, at(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got.State != store.DeliveryPending || got.DeliveredAt != nil || got.Attempts != 2 {
		t.Errorf("redelivered after delivery = %+v", got)
	}
	p := newPing(t, s, tn.ID, at(0))
	if cs = claim(t, s, at(0), "w1"); len(cs) != 1 {
		t.Fatalf("claimed %d pings, want 1", len(cs))
	}
	if _, err := record(t, s, p.ID, "w1", store.DeliveryFailed, 0, at(0), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveDelivery(ctx, store.ResolveParams{TenantID: tn.ID, DeliveryID: p.ID, Note: "n", At: at(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// A test ping is never sent again.
	if _, err := s.Redeliver(ctx, store.RedeliverParams{TenantID: tn.ID, DeliveryID: p.ID, At: at(time.Hour), Attempts: 1}); !errors.Is(err, store.ErrStale) {
		t.Errorf("Redeliver a ping: %v, want ErrStale", err)
	}
	// A job's delivery that failed and was resolved can be sent again.
	if cs = claim(t, s, at(3*time.Hour), "w1"); len(cs) != 1 || cs[0].Delivery.ID != d.ID {
		t.Fatalf("claimed %+v, want the redelivered %s", cs, d.ID)
	}
	if _, err := record(t, s, d.ID, "w1", store.DeliveryFailed, 0, at(3*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveDelivery(ctx, store.ResolveParams{TenantID: tn.ID, DeliveryID: d.ID, Note: "n", At: at(4 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Redeliver(ctx, store.RedeliverParams{TenantID: tn.ID, DeliveryID: d.ID, At: at(5 * time.Hour), Attempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.DeliveryPending || got.ResolvedAt != nil || got.ResolvedNote != "" || got.AttemptsLeft != 1 {
		t.Errorf("redelivered after resolution = %+v", got)
	}
}

func testNextDeliveryAt(t *testing.T, s store.Store) {
	ctx := t.Context()
	next := func() time.Time {
		t.Helper()
		n, err := s.NextDeliveryAt(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := s.NextDeliveryAt(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("NextDeliveryAt with none pending: %v, want ErrNotFound", err)
	}
	tn := newTenant(t, s, "acme")
	later := newPing(t, s, tn.ID, at(10*time.Minute))
	sooner := newPing(t, s, tn.ID, at(5*time.Minute))
	equal(t, "next", next(), at(5*time.Minute))
	// A leased delivery is due again only when its lease ends.
	if cs := claim(t, s, at(5*time.Minute), "w1"); len(cs) != 1 || cs[0].Delivery.ID != sooner.ID {
		t.Fatalf("claimed %v, want %s", ids(cs, claimedID), sooner.ID)
	}
	equal(t, "next during a lease", next(), at(5*time.Minute+lease))
	if _, err := record(t, s, sooner.ID, "w1", store.DeliveryDelivered, 200, at(5*time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	equal(t, "next after delivery", next(), later.NextAttemptAt)
}

func testPings(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "acme")
	other := newTenant(t, s, "globex")
	d := newPing(t, s, tn.ID, at(0))
	got, err := s.Delivery(ctx, tn.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ping", got, d)
	if _, err := s.Delivery(ctx, other.ID, d.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delivery of another tenant's: %v, want ErrNotFound", err)
	}
	if err := s.CreateDelivery(ctx, d); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateDelivery with a taken id: %v, want ErrConflict", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testListJobAttempts: a job's attempts in one query are those of its
// deliveries one by one, grouped by delivery; another tenant sees none.
func testListJobAttempts(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	j := newJob(t, s, tn.ID, at(0))
	move(t, s, j, job.Uploaded, at(time.Minute), hookA)
	move(t, s, j, job.Preflighting, at(time.Minute), hookA)
	ds, err := s.ListDeliveries(ctx, tn.ID, j.ID)
	if err != nil || len(ds) != 2 {
		t.Fatalf("deliveries: %d, %v", len(ds), err)
	}
	// The first delivery fails once, then succeeds; the second fails for
	// good. Claims follow whatever order the store delivers in.
	type step struct {
		outcome string
		status  int
	}
	script := map[string][]step{
		ds[0].ID: {{store.DeliveryPending, 500}, {store.DeliveryDelivered, 204}},
		ds[1].ID: {{store.DeliveryFailed, 503}},
	}
	for now := at(time.Minute); len(script) > 0; now = now.Add(time.Minute) {
		if now.After(at(time.Hour)) {
			t.Fatalf("deliveries never claimed: %v", script)
		}
		for _, c := range claim(t, s, now, "w1") {
			id := c.Delivery.ID
			st := script[id][0]
			if script[id] = script[id][1:]; len(script[id]) == 0 {
				delete(script, id)
			}
			if _, err := record(t, s, id, "w1", st.outcome, st.status, now, now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := map[string][]store.Attempt{}
	for _, d := range ds {
		as, err := s.ListAttempts(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		want[d.ID] = as
	}
	if n := len(want[ds[0].ID]) + len(want[ds[1].ID]); n != 3 {
		t.Fatalf("%d attempts recorded, want 3", n)
	}
	got, err := s.ListJobAttempts(ctx, tn.ID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "attempts by delivery", got, want)
	if got, err := s.ListJobAttempts(ctx, other.ID, j.ID); err != nil || len(got) != 0 {
		t.Errorf("another tenant's ListJobAttempts = %d attempts, %v; want none", len(got), err)
	}
}

// testClaimedSecrets: a claimed delivery carries its own tenant's signing
// secrets valid at the claim, newest first, as ListSigningSecrets gives
// them, so that the worker signs without reading them again.
func testClaimedSecrets(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme, globex, none := newTenant(t, s, "acme"), newTenant(t, s, "globex"), newTenant(t, s, "initech")
	secret := func(tenantID string, created time.Time) store.SigningSecret {
		return store.SigningSecret{ID: id.NewAt(id.Secret, created), TenantID: tenantID,
			Secret: "whsec_" + id.Token(32), CreatedAt: created}
	}
	rotate := func(n store.SigningSecret, oldExpiry time.Time) {
		t.Helper()
		if err := s.RotateSigningSecret(ctx, store.RotateSecretParams{New: n, OldExpiresAt: oldExpiry}); err != nil {
			t.Fatal(err)
		}
	}
	old, current, theirs := secret(acme.ID, at(0)), secret(acme.ID, at(time.Minute)), secret(globex.ID, at(0))
	rotate(old, at(0))
	rotate(theirs, at(0))
	rotate(current, at(time.Hour)) // old stays valid for the hour

	want := map[string][]string{
		acme.ID: {current.Secret, old.Secret}, globex.ID: {theirs.Secret}, none.ID: nil,
	}
	for tenantID := range want {
		newPing(t, s, tenantID, at(2*time.Minute))
	}
	check := func(now time.Time, worker string) {
		t.Helper()
		cs := claim(t, s, now, worker)
		if len(cs) != len(want) {
			t.Fatalf("claimed %d deliveries, want %d", len(cs), len(want))
		}
		for _, c := range cs {
			equal(t, "secrets of "+c.Delivery.TenantID+" at "+now.Format(time.TimeOnly), c.Secrets, want[c.Delivery.TenantID])
		}
	}
	check(at(2*time.Minute), "w1")
	// After the old secret's expiry, once w1's leases have ended too.
	want[acme.ID] = []string{current.Secret}
	check(at(time.Hour+time.Second), "w2")
}
