package workflow_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// TestConcurrentUpdatesLoseNothing: updates that each add to what they
// read (as a merge patch of brand does) never overwrite one another: an
// update that raced another is applied again to the fresh job, or fails
// with store.ErrStale, and every update that succeeded is in the result.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, f *fixture) {
		j := f.job(t, workflow.NewJobParams{})
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = f.flow.Update(t.Context(), workflow.UpdateParams{
					TenantID: f.tenantID, JobID: j.ID, By: job.Actor{Kind: job.ActorAPIKey, ID: "key_1"},
					Edit: func(cur job.Job) (job.Job, error) {
						cur.Metadata = append(slices.Clone(cur.Metadata), job.Metadata{PropertyID: fmt.Sprint(i), PropertyName: "P", Value: "v"})
						return cur, nil
					},
				})
			})
		}
		wg.Wait()
		got, err := f.store.Job(t.Context(), f.tenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ok int
		for i, err := range errs {
			has := slices.ContainsFunc(got.Metadata, func(m job.Metadata) bool { return m.PropertyID == fmt.Sprint(i) })
			switch {
			case err == nil && !has:
				t.Errorf("update %d succeeded but its property is lost: %+v", i, got.Metadata)
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrStale):
				t.Errorf("update %d: %v", i, err)
			case has:
				t.Errorf("update %d failed but its property is there", i)
			}
		}
		if ok == 0 || len(got.Metadata) != ok || got.Sequence != int64(ok) {
			t.Errorf("%d updates succeeded; the job has %d properties and %d events", ok, len(got.Metadata), got.Sequence)
		}
	})
}

// TestUpdateAfterUploadKeepsExpectations: once a file is uploaded, the
// expectations are refused (job.ErrTransition) and the job is returned as
// it stands; other fields still change.
func TestUpdateAfterUploadKeepsExpectations(t *testing.T) {
	t.Parallel()
	f := setup(t)
	j := f.job(t, workflow.NewJobParams{})
	if _, err := f.flow.Transition(t.Context(), workflow.Change{TenantID: f.tenantID, JobID: j.ID, To: job.Uploaded}); err != nil {
		t.Fatal(err)
	}
	edit := func(pf *job.Expectations, url string) workflow.UpdateParams {
		return workflow.UpdateParams{TenantID: f.tenantID, JobID: j.ID, Edit: func(cur job.Job) (job.Job, error) {
			cur.Preflight, cur.CallbackURL = pf, url
			return cur, nil
		}}
	}
	got, err := f.flow.Update(t.Context(), edit(&job.Expectations{PageCount: 2}, "https://erp.example.com/hook"))
	if !errors.Is(err, job.ErrTransition) || got.Status != job.Uploaded || got.CallbackURL != "" {
		t.Errorf("expectations after upload: %v, job %+v", err, got)
	}
	got, err = f.flow.Update(t.Context(), edit(nil, "https://erp.example.com/hook"))
	if err != nil || got.CallbackURL != "https://erp.example.com/hook" || got.Sequence != 2 {
		t.Errorf("callback URL after upload: %v, job %+v", err, got)
	}
}
