package pipeline

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// TestCrashInPreflight: a process claims a job, records preflighting and
// dies. After its lease runs out another process takes the job over and
// finishes it, without a second preflighting event.
func TestCrashInPreflight(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		ctx := t.Context()
		j := e.newJob(t, "")
		v := e.upload(t, j, "a.pdf", samplePDF(t, 3))
		lease := 2 * time.Second
		claimed, err := st.ClaimJobWork(ctx, store.ClaimParams{Now: time.Now(), Lease: lease, Limit: 1, Worker: "dead"})
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim = %v, %v", claimed, err)
		}
		if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: j.TenantID, JobID: j.ID, To: job.Preflighting, ArtworkVersionID: v.ID}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		e.pipeline(t)
		e.wait(t, j, job.ProofGenerated)
		if took := time.Since(start); took < lease*3/4 {
			t.Errorf("the job was taken over after %v, before the dead worker's lease of %v ran out", took, lease)
		}
		want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated}
		if got := e.statuses(t, j); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
	})
}

// blockingBlobs holds every write of a proof page until its context ends:
// a pipeline stopped there is stopped in the middle of rendering.
type blockingBlobs struct {
	blob.Store
	reached chan struct{}
}

func (b *blockingBlobs) Put(ctx context.Context, key string, r io.Reader) (blob.Info, error) {
	if strings.Contains(key, "/proof/page-0002") {
		select {
		case b.reached <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return blob.Info{}, ctx.Err()
	}
	return b.Store.Put(ctx, key, r)
}

// TestStopInRenderingThenStart: Stop in the middle of rendering releases
// the lease, so a new pipeline finishes the job at once.
func TestStopInRenderingThenStart(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t))
	blobs := e.flow.Blobs
	blocking := &blockingBlobs{Store: blobs, reached: make(chan struct{}, 1)}
	first := *e.flow
	first.Blobs = blocking
	p1 := e.pipeline(t, func(c *Config) { c.Flow = &first; c.Lease = time.Minute; c.Retry = time.Minute })
	first.Wake = p1.Notify
	j := e.newJob(t, "")
	e.upload(t, j, "a.pdf", samplePDF(t, 4))
	p1.Notify()
	select {
	case <-blocking.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("rendering never reached page 2")
	}
	p1.Stop()
	if got, _ := e.st.Job(t.Context(), j.TenantID, j.ID); got.Status != job.PreflightPassed {
		t.Fatalf("after Stop the job is %s, want preflight_passed", got.Status)
	}
	start := time.Now()
	e.pipeline(t, func(c *Config) { c.Lease = time.Minute })
	e.wait(t, j, job.ProofGenerated)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the new pipeline took %v: the stopped one's lease was not released", took)
	}
	want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated}
	if got := e.statuses(t, j); !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
}
