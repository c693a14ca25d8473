package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
)

// unreadableBlobs counts the opens of each file and fails every read of
// the file under the broken key: a disk or network error, not the file's
// fault.
type unreadableBlobs struct {
	countingBlobs
	broken atomic.Pointer[string]
}

func (b *unreadableBlobs) Open(ctx context.Context, key string) (blob.File, error) {
	f, err := b.countingBlobs.Open(ctx, key)
	if k := b.broken.Load(); err != nil || k == nil || *k != key {
		return f, err
	}
	return unreadableFile{f}, nil
}

type unreadableFile struct{ blob.File }

func (unreadableFile) Read([]byte) (int, error)          { return 0, errors.New("read error") }
func (unreadableFile) ReadAt([]byte, int64) (int, error) { return 0, errors.New("read error") }

// TestHostileProofGivenUpAtOnce: a file whose page keeps the renderer past
// its time fails on its own content, so the proof is given up after one
// attempt, not MaxAttempts, with PROOF_RENDER_FAILED on the version. The
// same file failing because it cannot be read is retried as before.
func TestHostileProofGivenUpAtOnce(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		blobs := &unreadableBlobs{countingBlobs: countingBlobs{Store: e.flow.Blobs, opens: map[string]int{}}}
		e.flow.Blobs = blobs
		sharedEngines(t)
		quick := proof.New(pool, proof.Options{Timeout: 50 * time.Millisecond})
		e.pipeline(t, quickRetries, func(c *Config) {
			// A lease far longer than the run, so that a slow renewal on a
			// busy machine cannot start a second run.
			c.Renderer, c.Lease = quick, time.Minute
		})
		j := e.newJob(t, "")
		v := e.upload(t, j, "forms.pdf", hostilepdf.NestedForms(5, 10))

		if got := e.proofFailed(t, j, v); !strings.Contains(got.Message, "takes too long to render") {
			t.Errorf("finding = %+v, want one saying the file takes too long", got)
		}
		time.Sleep(300 * time.Millisecond) // many polls: no further try
		cur, err := st.Job(t.Context(), j.TenantID, j.ID)
		if err != nil || cur.Status != job.PreflightPassed || cur.WorkGaveUpAt.IsZero() {
			t.Fatalf("the job is %s, given up at %v (%v); want preflight_passed, given up", cur.Status, cur.WorkGaveUpAt, err)
		}
		// Each attempt opens the file anew; preflight and the proof of the
		// first share one.
		if n := blobs.count(v.BlobKey); n != 1 {
			t.Errorf("the file was opened %d times, want once: one attempt", n)
		}

		// Made again by an operator while the file cannot be read: not the
		// file's fault, so tried MaxAttempts times.
		blobs.broken.Store(&v.BlobKey)
		opens := blobs.count(v.BlobKey)
		if _, err := e.flow.RetryProof(t.Context(), j.TenantID, j.ID); err != nil {
			t.Fatal(err)
		}
		if got := e.proofFailed(t, j, v); !strings.Contains(got.Message, "failed 3 times") {
			t.Errorf("finding = %+v, want rendering failed 3 times", got)
		}
		if n := blobs.count(v.BlobKey) - opens; n != 3 {
			t.Errorf("an unreadable file was tried %d times, want 3", n)
		}
	})
}

// proofFailed polls until the version has a PROOF_RENDER_FAILED finding
// and returns it.
func (e *env) proofFailed(t *testing.T, j job.Job, v store.ArtworkVersion) job.Finding {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := e.st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range got.Errors {
			if f.Code == CodeProofFailed {
				return f
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("version %s has no %s after 60 s", v.ID, CodeProofFailed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
