package pipeline

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
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
	e := setup(t, openSQLite(t))
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
	forEachStore(t, func(t *testing.T, st store.Store) {
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

// TestProofGivesUp: a proof that fails every time is tried MaxAttempts
// times, then the version gets PROOF_RENDER_FAILED and the job is left
// alone in preflight_passed, marked as given up; once the cause is gone,
// an operator's RetryProof has the proof made, without the finding.
func TestProofGivesUp(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		blobs := e.failing("/proof/page-0001")
		e.pipeline(t, quickRetries)
		j := e.newJob(t, "")
		v := e.upload(t, j, "a.pdf", samplePDF(t, 1))
		deadline := time.Now().Add(30 * time.Second)
		var got store.ArtworkVersion
		for ; len(got.Errors) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			var err error
			if got, err = st.ArtworkVersion(t.Context(), j.TenantID, v.ID); err != nil {
				t.Fatal(err)
			}
		}
		if len(got.Errors) != 1 || got.Errors[0].Code != CodeProofFailed {
			t.Fatalf("version errors = %+v, want one %s", got.Errors, CodeProofFailed)
		}
		// Given up: many polls later, no further try.
		time.Sleep(300 * time.Millisecond)
		if n := blobs.tries.Load(); n != 3 {
			t.Errorf("the proof was tried %d times, want 3", n)
		}
		cur, err := st.Job(t.Context(), j.TenantID, j.ID)
		if err != nil || cur.Status != job.PreflightPassed || cur.WorkGaveUpAt.IsZero() {
			t.Fatalf("the job is %s, given up at %v (%v); want preflight_passed, given up", cur.Status, cur.WorkGaveUpAt, err)
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
		want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated}
		if got := e.statuses(t, j); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
	})
}

// TestCrashLoopGivesUp: a job whose step was started MaxAttempts times by
// processes that died in it is given up without a further try.
func TestCrashLoopGivesUp(t *testing.T) {
	t.Parallel()
	e := setup(t, openSQLite(t))
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
