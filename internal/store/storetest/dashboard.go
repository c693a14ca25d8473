package storetest

import (
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
)

// runDashboard runs the conformance tests of store.DashboardStore: known
// jobs, events and attempts in, known figures out.
func runDashboard(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"JobDaysFindingsApprovals", testDashboardJobs},
		{"AttemptHours", testAttemptHours},
	}
	for _, tt := range tests {
		t.Run("Dashboard"+tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// day is midnight UTC of at(d).
func day(d time.Duration) time.Time { return at(d).Truncate(24 * time.Hour) }

func testDashboardJobs(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	a := job.Finding{Code: "BLEED_MISSING", Severity: "error"}
	b := job.Finding{Code: "LOW_RESOLUTION", Severity: "warning"}
	c := job.Finding{Code: "RGB_IMAGE", Severity: "warning"}
	// j1, day 1: fails preflight with a and b, passes with b, approved an
	// hour after its second upload.
	j1 := newJob(t, s, tn.ID, at(0))
	v := upload(t, s, j1, job.AwaitingUpload, at(time.Hour))
	follow(t, s, j1, v.ID, job.PreflightFailed, at(time.Hour+time.Minute), []job.Finding{a, b}, nil, 0)
	v = upload(t, s, j1, job.PreflightFailed, at(2*time.Hour))
	follow(t, s, j1, v.ID, job.PreflightPassed, at(2*time.Hour+time.Minute), []job.Finding{b}, nil, 0)
	follow(t, s, j1, v.ID, job.ProofGenerated, at(2*time.Hour+2*time.Minute), nil, nil, 0)
	follow(t, s, j1, v.ID, job.Approved, at(3*time.Hour), nil, nil, 0)
	// j2, day 2: fails with a, cancelled.
	j2 := newJob(t, s, tn.ID, at(24*time.Hour))
	v = upload(t, s, j2, job.AwaitingUpload, at(25*time.Hour))
	follow(t, s, j2, v.ID, job.PreflightFailed, at(25*time.Hour+time.Minute), []job.Finding{a}, nil, 0)
	follow(t, s, j2, v.ID, job.Cancelled, at(26*time.Hour), nil, nil, 0)
	// j3, day 2: passes with c twice around a rejection, approved three
	// hours after its second upload; c counts once for the job.
	base := 24*time.Hour + time.Minute
	j3 := newJob(t, s, tn.ID, at(base))
	v = upload(t, s, j3, job.AwaitingUpload, at(base+time.Minute))
	follow(t, s, j3, v.ID, job.PreflightPassed, at(base+2*time.Minute), []job.Finding{c}, nil, 0)
	follow(t, s, j3, v.ID, job.ProofGenerated, at(base+3*time.Minute), nil, nil, 0)
	follow(t, s, j3, v.ID, job.Rejected, at(base+10*time.Minute), nil, nil, 0)
	v = upload(t, s, j3, job.Rejected, at(base+20*time.Minute))
	follow(t, s, j3, v.ID, job.PreflightPassed, at(base+21*time.Minute), []job.Finding{c}, nil, 0)
	follow(t, s, j3, v.ID, job.ProofGenerated, at(base+22*time.Minute), nil, nil, 0)
	follow(t, s, j3, v.ID, job.Approved, at(base+20*time.Minute+3*time.Hour), nil, nil, 0)
	// j4, day 3: expires without an upload.
	j4 := newJob(t, s, tn.ID, at(48*time.Hour))
	move(t, s, j4, job.Expired, at(48*time.Hour+time.Minute), "")
	// Left out: a job before the window, another tenant's, a test job.
	old := newJob(t, s, tn.ID, at(-48*time.Hour))
	v = upload(t, s, old, job.AwaitingUpload, at(-47*time.Hour))
	follow(t, s, old, v.ID, job.PreflightFailed, at(-47*time.Hour), []job.Finding{c}, nil, 0)
	follow(t, s, old, v.ID, job.Cancelled, at(-46*time.Hour), nil, nil, 0)
	theirs := newJob(t, s, other.ID, at(0))
	v = upload(t, s, theirs, job.AwaitingUpload, at(time.Hour))
	follow(t, s, theirs, v.ID, job.PreflightPassed, at(time.Hour), []job.Finding{c}, nil, 0)
	follow(t, s, theirs, v.ID, job.Approved, at(time.Hour+time.Second), nil, nil, 0)
	test := jobAt(tn.ID, false, at(time.Minute))
	if err := s.CreateJob(ctx, store.CreateJobParams{Job: test}); err != nil {
		t.Fatal(err)
	}
	move(t, s, test, job.Cancelled, at(2*time.Minute), "")

	p := store.DashboardParams{TenantID: tn.ID, Livemode: true, Since: day(0)}
	days, err := s.JobDays(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "JobDays", days, []store.JobDay{
		{Day: day(0), Created: 1, Outcomes: map[job.Status]int{job.Approved: 1}},
		{Day: day(24 * time.Hour), Created: 2, Outcomes: map[job.Status]int{job.Cancelled: 1, job.Rejected: 1, job.Approved: 1}},
		{Day: day(48 * time.Hour), Created: 1, Outcomes: map[job.Status]int{job.Expired: 1}},
	})

	fs, err := s.TopFindings(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "TopFindings", fs, []store.FindingCount{
		{Code: a.Code, Jobs: 2, Approved: 1}, {Code: b.Code, Jobs: 1, Approved: 1}, {Code: c.Code, Jobs: 1, Approved: 1},
	})
	p.Limit = 2
	if fs, err = s.TopFindings(ctx, p); err != nil {
		t.Fatal(err)
	}
	equal(t, "TopFindings limited to 2", fs, []store.FindingCount{{Code: a.Code, Jobs: 2, Approved: 1}, {Code: b.Code, Jobs: 1, Approved: 1}})
	p.Limit = 0

	times, err := s.ApprovalTimes(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "ApprovalTimes", times, store.ApprovalTimes{Count: 2, Median: time.Hour, P90: 3 * time.Hour})
	// The latest approval alone: j3's.
	p.Limit = 1
	if times, err = s.ApprovalTimes(ctx, p); err != nil {
		t.Fatal(err)
	}
	equal(t, "ApprovalTimes of the latest", times, store.ApprovalTimes{Count: 1, Median: 3 * time.Hour, P90: 3 * time.Hour})

	// An empty window has no figures, and no error.
	p = store.DashboardParams{TenantID: tn.ID, Livemode: true, Since: day(72 * time.Hour)}
	if days, err = s.JobDays(ctx, p); err != nil || len(days) != 0 {
		t.Errorf("JobDays of an empty window = %v, %v", days, err)
	}
	if fs, err = s.TopFindings(ctx, p); err != nil || len(fs) != 0 {
		t.Errorf("TopFindings of an empty window = %v, %v", fs, err)
	}
	if times, err = s.ApprovalTimes(ctx, p); err != nil || times != (store.ApprovalTimes{}) {
		t.Errorf("ApprovalTimes of an empty window = %v, %v", times, err)
	}
}

func testAttemptHours(t *testing.T, s store.Store) {
	ctx := t.Context()
	tn, other := newTenant(t, s, "acme"), newTenant(t, s, "globex")
	// One job per delivery, so that each claim below finds exactly one due.
	old := move(t, s, newJob(t, s, tn.ID, at(-3*time.Hour)), job.Uploaded, at(-2*time.Hour), hookA)
	e1 := move(t, s, newJob(t, s, tn.ID, at(-time.Hour)), job.Uploaded, at(0), hookA)
	theirs := move(t, s, newJob(t, s, other.ID, at(-time.Hour)), job.Uploaded, at(30*time.Minute), hookA)
	e2 := move(t, s, newJob(t, s, tn.ID, at(-time.Hour)), job.Uploaded, at(time.Hour), hookA)
	attempt := func(e job.Event, when time.Time, status int, took time.Duration, outcome string, next time.Time) {
		t.Helper()
		cs := claim(t, s, when, "w")
		if len(cs) != 1 || cs[0].Delivery.EventID != e.ID {
			t.Fatalf("claimed %v at %s, want the delivery of %s", ids(cs, claimedID), when, e.ID)
		}
		a := store.Attempt{ID: id.New(id.Attempt), DeliveryID: cs[0].Delivery.ID, StartedAt: when,
			Duration: took, StatusCode: status}
		if _, err := s.RecordAttempt(ctx, store.AttemptParams{DeliveryID: a.DeliveryID, Worker: "w",
			Attempt: a, Outcome: outcome, NextAttemptAt: next}); err != nil {
			t.Fatal(err)
		}
	}
	attempt(old, at(-2*time.Hour), 200, 20*time.Millisecond, store.DeliveryDelivered, time.Time{})
	attempt(e1, at(5*time.Minute), 500, 40*time.Millisecond, store.DeliveryPending, at(10*time.Minute))
	attempt(e1, at(10*time.Minute), 204, 80*time.Millisecond, store.DeliveryDelivered, time.Time{})
	attempt(theirs, at(31*time.Minute), 500, time.Second, store.DeliveryPending, at(2*time.Hour))
	attempt(e2, at(time.Hour+time.Minute), 200, 3*time.Second, store.DeliveryDelivered, time.Time{})

	hs, err := s.AttemptHours(ctx, store.DashboardParams{TenantID: tn.ID, Livemode: true, Since: at(0)})
	if err != nil {
		t.Fatal(err)
	}
	// Hour 10: 40 ms and 80 ms, in the buckets up to 50 ms and 100 ms;
	// the 95th percentile is 90 % into the second: 95 ms. Hour 11: 3 s,
	// in the bucket from 2.5 s to 5 s: 2.5 s + 95 % of 2.5 s.
	equal(t, "AttemptHours", hs, []store.AttemptHour{
		{Hour: at(0), Delivered: 1, Failed: 1, P95: 95 * time.Millisecond},
		{Hour: at(time.Hour), Delivered: 1, P95: 4875 * time.Millisecond},
	})
	if hs, err = s.AttemptHours(ctx, store.DashboardParams{TenantID: tn.ID, Livemode: false, Since: at(-3 * time.Hour)}); err != nil || len(hs) != 0 {
		t.Errorf("AttemptHours of the test mode = %v, %v; want none", hs, err)
	}
}
