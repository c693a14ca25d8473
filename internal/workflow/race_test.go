package workflow_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// racers is how many requests race for one job: as many as a burst of
// double clicks, retries and tabs could send.
const racers = 50

// proofReady makes a job waiting for the customer's approval.
func (f *fixture) proofReady(t *testing.T) job.Job {
	t.Helper()
	j := f.job(t, workflow.NewJobParams{})
	for _, to := range []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated} {
		if _, err := f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: to}); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

// race runs each function at once, racers of them in all, and returns
// their answers.
func race(fns ...func() (job.Job, error)) ([]job.Job, []error) {
	jobs, errs := make([]job.Job, len(fns)), make([]error, len(fns))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, fn := range fns {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			jobs[i], errs[i] = fn()
		}()
	}
	start.Done()
	done.Wait()
	return jobs, errs
}

// TestConcurrentApprovals: fifty approvals of one proof at once all
// succeed, as the one that won did, and record one approval.
func TestConcurrentApprovals(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		j := f.proofReady(t)
		fns := make([]func() (job.Job, error), racers)
		for i := range fns {
			fns[i] = func() (job.Job, error) { return f.flow.Approve(t.Context(), f.tenantID, j.ID, customer) }
		}
		jobs, errs := race(fns...)
		for i, err := range errs {
			if err != nil || jobs[i].Status != job.Approved {
				t.Errorf("approval %d: %s, %v; want approved", i, jobs[i].Status, err)
			}
		}
		f.wantOneFinalEvent(t, j, job.EventApproved)
	})
}

// TestCancelRacesApproval: cancellations (from the ERP, retried) and
// approvals (from the customer) of one job at once. Whichever move wins,
// every request answers from the state that won: those that asked for it
// succeed, the others are refused naming the final status, never a
// status the job had before.
func TestCancelRacesApproval(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		for range 3 {
			j := f.proofReady(t)
			fns := make([]func() (job.Job, error), racers)
			for i := range fns {
				fns[i] = func() (job.Job, error) { return f.flow.Approve(t.Context(), f.tenantID, j.ID, customer) }
				if i%2 == 0 {
					fns[i] = func() (job.Job, error) { return f.flow.Cancel(t.Context(), f.tenantID, j.ID, operator) }
				}
			}
			jobs, errs := race(fns...)
			final, err := f.store.Job(t.Context(), f.tenantID, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			for i, err := range errs {
				asked := job.Approved
				if i%2 == 0 {
					asked = job.Cancelled
				}
				switch {
				case asked == final.Status && err != nil:
					t.Errorf("%s lost to itself: %v", asked, err)
				case asked != final.Status && !errors.Is(err, job.ErrTransition):
					t.Errorf("%s after the job became %s: %v, want refused", asked, final.Status, err)
				}
				if jobs[i].Status != final.Status {
					t.Errorf("%s answered with the job %s, but it is %s", asked, jobs[i].Status, final.Status)
				}
			}
			f.wantOneFinalEvent(t, j, job.EventType(final.Status))
		}
	})
}

// wantOneFinalEvent checks that the job's last event is the only one of
// its final status.
func (f *fixture) wantOneFinalEvent(t *testing.T, j job.Job, want job.EventType) {
	t.Helper()
	events, err := f.store.ListEvents(t.Context(), f.tenantID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Type == job.EventApproved || e.Type == job.EventCancelled {
			n++
		}
	}
	if n != 1 || events[len(events)-1].Type != want {
		t.Errorf("%d final events, the last %s; want one, %s", n, events[len(events)-1].Type, want)
	}
}
