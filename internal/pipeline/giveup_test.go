package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// failingBlobs fails every write of a key containing part, counting them,
// until it is healed: a step that writes such a key fails every time it is
// tried.
type failingBlobs struct {
	blob.Store
	part   string
	tries  atomic.Int32
	healed atomic.Bool
}

func (b *failingBlobs) Put(ctx context.Context, key string, r io.Reader) (blob.Info, error) {
	if strings.Contains(key, b.part) && !b.healed.Load() {
		b.tries.Add(1)
		return blob.Info{}, errors.New("disk full")
	}
	return b.Store.Put(ctx, key, r)
}

// countingBlobs counts the Opens of each key: with S3 each is a download.
type countingBlobs struct {
	blob.Store
	mu    sync.Mutex
	opens map[string]int
}

func (b *countingBlobs) Open(ctx context.Context, key string) (blob.File, error) {
	b.mu.Lock()
	b.opens[key]++
	b.mu.Unlock()
	return b.Store.Open(ctx, key)
}

func (b *countingBlobs) count(key string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opens[key]
}

// TestOriginalOpenedOnce: preflight and proof in one run share one Open of
// the uploaded file, which for S3 is one download of it, not two.
func TestOriginalOpenedOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t))
	blobs := &countingBlobs{Store: e.flow.Blobs, opens: map[string]int{}}
	e.flow.Blobs = blobs
	// A lease far longer than the run, so that a slow renewal on a busy
	// machine cannot start a second run that opens the file again.
	e.pipeline(t, func(c *Config) { c.Lease = time.Minute })
	j := e.newJob(t, "")
	v := e.upload(t, j, "a.pdf", samplePDF(t, 2))
	e.wait(t, j, job.ProofGenerated)
	if n := blobs.count(v.BlobKey); n != 1 {
		t.Errorf("the original was opened %d times from upload to proof, want 1", n)
	}
}

// failing makes e's writes of keys containing part fail.
func (e *env) failing(part string) *failingBlobs {
	b := &failingBlobs{Store: e.flow.Blobs, part: part}
	e.flow.Blobs = b
	return b
}

// quickRetries retries at once, three times.
func quickRetries(c *Config) { c.Retry, c.MaxAttempts = time.Millisecond, 3 }

// TestPreflightGivesUp: a preflight that fails every time ends, after
// MaxAttempts, in preflight_failed with PREFLIGHT_ENGINE_FAILED.
func TestPreflightGivesUp(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		blobs := e.failing("preflight.json")
		e.pipeline(t, quickRetries)
		j := e.newJob(t, "")
		v := e.upload(t, j, "a.pdf", samplePDF(t, 1))
		e.wait(t, j, job.PreflightFailed)
		if n := blobs.tries.Load(); n != 3 {
			t.Errorf("preflight was tried %d times, want 3", n)
		}
		want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightFailed}
		if got := e.statuses(t, j); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
		got, err := st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Errors) != 1 || got.Errors[0].Code != CodeEngineFailed || got.Errors[0].Severity != "error" {
			t.Errorf("version errors = %+v, want one %s", got.Errors, CodeEngineFailed)
		}
	})
}

// TestProofGivesUp: a proof whose storage refuses every write is tried
// MaxAttempts times, then a proof_failed event records PROOF_SERVICE_FAILED
// (Submit's fault, not the file's) on the version, and the job is left
// alone in preflight_passed, marked as given up; once the cause is gone,
// an operator's RetryProof has the proof made, without the finding.
func TestProofGivesUp(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		blobs := e.failing("/proof/page-0001")
		claims := &claimWatch{Store: st, gaveUp: map[string]bool{}}
		flow := *e.flow
		flow.Store = claims
		e.pipeline(t, quickRetries, func(c *Config) { c.Flow = &flow })
		j := e.newJob(t, "")
		v := e.upload(t, j, "a.pdf", samplePDF(t, 1))
		cur := e.ended(t, j, 60*time.Second)
		if cur.WorkGaveUpAt.IsZero() {
			t.Fatalf("job %s ended %s, not given up", j.ID, cur.Status)
		}
		// Given up: no claim takes the job again, up to one that started
		// after the test saw it given up.
		if n := claims.settled(t); n != 0 {
			t.Errorf("the job was claimed %d times after the pipeline gave up on it", n)
		}
		if n := blobs.tries.Load(); n != 3 {
			t.Errorf("the proof was tried %d times, want 3", n)
		}
		if cur.Status != job.PreflightPassed {
			t.Fatalf("the job given up is %s, want preflight_passed", cur.Status)
		}
		got, err := st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Errors) != 1 || got.Errors[0].Code != CodeProofServiceFailed ||
			!strings.Contains(got.Errors[0].Message, "storage") || !strings.Contains(got.Errors[0].Message, "not a problem with the file") ||
			fault(got.Errors[0]) != "submit" {
			t.Fatalf("version errors = %+v, want one %s that says storage failed, not the file", got.Errors, CodeProofServiceFailed)
		}
		evs, err := st.ListEvents(t.Context(), j.TenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if last.Type != job.EventProofFailed || last.Status != job.PreflightPassed || len(last.Errors) != 1 ||
			last.Errors[0].Code != CodeProofServiceFailed || last.ArtworkVersionID != v.ID {
			t.Errorf("last event = %+v, want proof_failed in preflight_passed with the finding", last)
		}

		blobs.healed.Store(true)
		if _, err := e.flow.RetryProof(t.Context(), j.TenantID, j.ID); err != nil {
			t.Fatal(err)
		}
		e.wait(t, j, job.ProofGenerated)
		if got, err = st.ArtworkVersion(t.Context(), j.TenantID, v.ID); err != nil {
			t.Fatal(err)
		}
		if len(got.Errors) != 0 || got.Files["proof"] == "" {
			t.Errorf("after the retry the version has errors %+v, files %v; want no errors and a proof", got.Errors, got.Files)
		}
		want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.PreflightPassed, job.ProofGenerated}
		if got := e.statuses(t, j); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
	})
}

// claimWatch is a store that sees the pipeline's claims after it gave up
// on a job: it counts those that took the job again, and tells when the
// next claim has ended. The pipeline claims from one goroutine, one claim
// at a time, so a test sees what the pipeline did with the job rather
// than waiting a while for a try that does not come.
type claimWatch struct {
	store.Store
	mu        sync.Mutex
	gaveUp    map[string]bool // jobs released as given up
	reclaimed int             // claims of such a job, started after its release
	waiting   chan struct{}
}

// next returns a channel closed when the first claim to start after the
// call has ended.
func (c *claimWatch) next() <-chan struct{} {
	ch := make(chan struct{})
	c.mu.Lock()
	c.waiting = ch
	c.mu.Unlock()
	return ch
}

// settled waits until the first claim to start after the call has ended
// and returns the number of claims that took a job given up. Called once
// the test has seen a job given up, it tells whether the pipeline took
// the job again, without waiting a while for a try that does not come.
func (c *claimWatch) settled(t *testing.T) int {
	t.Helper()
	select {
	case <-c.next():
	case <-time.After(30 * time.Second):
		t.Fatal("the pipeline claimed no work for 30 s")
	}
	return c.reclaims()
}

// reclaims returns the number of claims that took a job given up.
func (c *claimWatch) reclaims() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reclaimed
}

func (c *claimWatch) ClaimJobWork(ctx context.Context, p store.ClaimParams) ([]store.Job, error) {
	c.mu.Lock()
	ch, gaveUp := c.waiting, maps.Clone(c.gaveUp)
	c.waiting = nil
	c.mu.Unlock()
	if ch != nil {
		defer close(ch)
	}
	jobs, err := c.Store.ClaimJobWork(ctx, p)
	for _, j := range jobs {
		if gaveUp[j.ID] {
			c.mu.Lock()
			c.reclaimed++
			c.mu.Unlock()
		}
	}
	return jobs, err
}

// ReleaseJobWork marks the job given up before it is released as such:
// marked after, a claim started once the test saw the release could miss
// it. No claim can take the job before the release, which holds its lease.
func (c *claimWatch) ReleaseJobWork(ctx context.Context, p store.ReleaseParams) error {
	if !p.GaveUp.IsZero() {
		c.mu.Lock()
		c.gaveUp[p.JobID] = true
		c.mu.Unlock()
	}
	return c.Store.ReleaseJobWork(ctx, p)
}

// TestCrashLoopGivesUp: a job whose step was started MaxAttempts times by
// processes that died in it is given up without a further try.
func TestCrashLoopGivesUp(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t))
	ctx := t.Context()
	j := e.newJob(t, "")
	v := e.upload(t, j, "a.pdf", samplePDF(t, 1))
	if _, err := e.flow.Transition(ctx, workflow.Change{TenantID: j.TenantID, JobID: j.ID, To: job.Preflighting, ArtworkVersionID: v.ID}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		// Leases that ran out long ago: each claimer "died".
		long := time.Now().Add(time.Duration(i-10) * time.Minute)
		claimed, err := e.st.ClaimJobWork(ctx, store.ClaimParams{Now: long, Lease: time.Second, Limit: 1, Worker: "dead"})
		if err != nil || len(claimed) != 1 || claimed[0].WorkAttempts != i+1 {
			t.Fatalf("claim %d = %+v, %v", i+1, claimed, err)
		}
	}
	blobs := e.failing("preflight.json") // counts a try, should there be one
	e.pipeline(t, quickRetries)
	e.wait(t, j, job.PreflightFailed)
	if n := blobs.tries.Load(); n != 0 {
		t.Errorf("preflight was tried %d more times", n)
	}
}

func TestBackoff(t *testing.T) {
	p := &Pipeline{cfg: Config{Retry: time.Minute}}
	for attempt, want := range map[int]time.Duration{
		1: time.Minute, 2: 2 * time.Minute, 4: 8 * time.Minute, 7: time.Hour, 60: time.Hour,
	} {
		if got := p.backoff(attempt); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempt, got, want)
		}
	}
}

// fault is whose fault a proof finding says it was: details.fault.
func fault(f job.Finding) string {
	var d struct{ Fault string }
	_ = json.Unmarshal(f.Details, &d)
	return d.Fault
}
