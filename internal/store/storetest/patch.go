package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// updated is an updated event of j at when, with a patch and the job's
// sequence it was decided on (none when below 0).
func updated(j store.Job, when time.Time, seq int64, p *store.JobPatch) store.TransitionParams {
	var at *int64
	if seq >= 0 {
		at = &seq
	}
	return store.TransitionParams{
		TenantID: j.TenantID, JobID: j.ID, From: []job.Status{job.AwaitingUpload}, Outcome: true,
		Sequence: at, Patch: p,
		Event: job.Event{ID: id.NewAt(id.Event, when), Type: job.EventUpdated, Status: job.AwaitingUpload,
			Actor: job.Actor{Kind: job.ActorAPIKey, ID: "key_1"}, Changes: []string{"brand"}, OccurredAt: when},
	}
}

// testPatch: a patch changes the fields it names with its updated event,
// leaves the others alone, removes what points at a zero value, and is
// refused (ErrStale, nothing written) when the job's sequence moved on.
func testPatch(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "patcher")
	j := jobAt(tn.ID, true, at(0))
	j.CallbackURL = hookA
	j.Metadata = []job.Metadata{{PropertyID: "a", PropertyName: "A", Value: "1"}}
	j.Brand = &job.Brand{Color: "#123", Logo: "https://example.com/l.png"}
	j.Preflight = &job.Expectations{PageCount: 2}
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: j}); err != nil {
		t.Fatal(err)
	}
	read := func() store.Job {
		t.Helper()
		got, err := s.Job(ctx, tn.ID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Only the brand: everything else stays.
	brand := job.Brand{Color: "#456"}
	if _, err := s.TransitionJob(ctx, updated(j, at(time.Minute), 0, &store.JobPatch{Brand: &brand})); err != nil {
		t.Fatal(err)
	}
	want := j
	want.Brand, want.Sequence, want.UpdatedAt = &brand, 1, at(time.Minute)
	equal(t, "after a brand patch", read(), want)

	// Every field at once, against the sequence read.
	url, expires := hookB, at(48*time.Hour)
	md := []job.Metadata{{PropertyID: "b", PropertyName: "B", Value: "2"}}
	pf := job.Expectations{Profile: "strict", TrimSize: &job.Size{Width: 210, Height: 297, Unit: "mm"}}
	if _, err := s.TransitionJob(ctx, updated(j, at(2*time.Minute), 1, &store.JobPatch{
		CallbackURL: &url, Metadata: &md, Brand: &job.Brand{}, Preflight: &pf, ExpiresAt: &expires,
	})); err != nil {
		t.Fatal(err)
	}
	want.CallbackURL, want.Metadata, want.Brand, want.Preflight, want.ExpiresAt = url, md, nil, &pf, expires
	want.Sequence, want.UpdatedAt = 2, at(2*time.Minute)
	equal(t, "after a patch of every field (an empty brand is none)", read(), want)

	// Removals: no URL of its own, no metadata, no expectations.
	none, noMD := "", []job.Metadata(nil)
	if _, err := s.TransitionJob(ctx, updated(j, at(3*time.Minute), 2, &store.JobPatch{
		CallbackURL: &none, Metadata: &noMD, Preflight: &job.Expectations{},
	})); err != nil {
		t.Fatal(err)
	}
	want.CallbackURL, want.Metadata, want.Preflight, want.Sequence, want.UpdatedAt = "", nil, nil, 3, at(3*time.Minute)
	equal(t, "after removals", read(), want)

	// Decided on an older sequence: refused, nothing written.
	_, err := s.TransitionJob(ctx, updated(j, at(4*time.Minute), 2, &store.JobPatch{CallbackURL: &url}))
	if !errors.Is(err, store.ErrStale) {
		t.Errorf("a patch decided on sequence 2 of a job at 3: %v, want ErrStale", err)
	}
	equal(t, "after a stale patch", read(), want)
	if evs, err := s.ListEvents(ctx, tn.ID, j.ID); err != nil || len(evs) != 3 {
		t.Errorf("events %d (%v), want the 3 updates only", len(evs), err)
	}
}

// testPatchMovesPending: a patch with PendingURL sends the job's pending
// deliveries there, not the delivered ones nor another job's, and the
// updated event's own delivery goes where it says; Redeliver with a URL
// sends a failed delivery to it; a tenant's new default URL takes the
// pending deliveries of its jobs without a URL of their own.
func testPatchMovesPending(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn := newTenant(t, s, "mover")
	j := newJob(t, s, tn.ID, at(0))
	other := newJob(t, s, tn.ID, at(time.Second))
	move(t, s, j, job.Uploaded, at(time.Minute), hookA)
	move(t, s, other, job.Uploaded, at(time.Minute), hookA)
	cs := claim(t, s, at(time.Minute), "w1")
	if len(cs) != 2 {
		t.Fatalf("claimed %d, want 2", len(cs))
	}
	var delivered, failed string
	for _, c := range cs {
		if c.Delivery.JobID == j.ID {
			delivered = c.Delivery.ID
			_, err := record(t, s, c.Delivery.ID, "w1", store.DeliveryDelivered, 200, at(time.Minute), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
		} else {
			failed = c.Delivery.ID
			if _, err := record(t, s, c.Delivery.ID, "w1", store.DeliveryFailed, 500, at(time.Minute), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	pending := move(t, s, j, job.Preflighting, at(2*time.Minute), hookA)
	otherPending := move(t, s, other, job.Preflighting, at(2*time.Minute), hookA)

	url := hookB
	p := updated(j, at(3*time.Minute), -1, &store.JobPatch{CallbackURL: &url, PendingURL: hookB})
	p.From, p.Event.Status = []job.Status{job.Preflighting}, job.Preflighting
	p.CallbackURL, p.DeliveryID, p.Attempts = hookB, id.NewAt(id.Delivery, at(3*time.Minute)), 7
	ev, err := s.TransitionJob(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	urls := func(jobID string) map[string]string {
		t.Helper()
		ds, err := s.ListDeliveries(ctx, tn.ID, jobID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, d := range ds {
			out[d.EventID] = d.URL
		}
		return out
	}
	got := urls(j.ID)
	byID := func(deliveryID string) store.Delivery {
		t.Helper()
		d, err := s.Delivery(ctx, tn.ID, deliveryID)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := byID(delivered); d.URL != hookA {
		t.Errorf("the delivered delivery moved to %s; it keeps the URL it went to", d.URL)
	}
	if got[pending.ID] != hookB || got[ev.ID] != hookB {
		t.Errorf("pending delivery to %s, the update's to %s; want both to %s", got[pending.ID], got[ev.ID], hookB)
	}
	if got := urls(other.ID); got[otherPending.ID] != hookA {
		t.Errorf("another job's pending delivery moved to %s", got[otherPending.ID])
	}

	// Redeliver with a URL: the failed delivery goes there.
	d, err := s.Redeliver(ctx, store.RedeliverParams{TenantID: tn.ID, DeliveryID: failed, At: at(time.Hour), Attempts: 2, URL: hookB})
	if err != nil {
		t.Fatal(err)
	}
	if d.URL != hookB || d.State != store.DeliveryPending {
		t.Errorf("redelivered to %s (%s), want pending to %s", d.URL, d.State, hookB)
	}

	// The tenant's default: other has no URL of its own, j now has one.
	const hookC = "https://erp.example.com/hooks/c"
	if err := s.UpdateTenantSettings(ctx, tn.ID, store.TenantSettings{CallbackURL: hookC}); err != nil {
		t.Fatal(err)
	}
	if got := urls(other.ID); got[otherPending.ID] != hookC {
		t.Errorf("a pending delivery of a job without a URL went to %s after the default changed, want %s", got[otherPending.ID], hookC)
	}
	if got := urls(j.ID); got[pending.ID] != hookB {
		t.Errorf("a pending delivery of a job with its own URL went to %s after the default changed", got[pending.ID])
	}
	if d := byID(delivered); d.URL != hookA {
		t.Errorf("the delivered delivery moved to %s after the default changed", d.URL)
	}
	// No default any more: pending deliveries stay where they were going.
	if err := s.UpdateTenantSettings(ctx, tn.ID, store.TenantSettings{}); err != nil {
		t.Fatal(err)
	}
	if got := urls(other.ID); got[otherPending.ID] != hookC {
		t.Errorf("removing the default moved a pending delivery to %q", got[otherPending.ID])
	}
}
