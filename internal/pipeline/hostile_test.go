package pipeline

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
)

// nestedFormsPDF is a page that draws a form ten times, which draws the
// next form ten times, depth forms deep, the last drawing a line: 10^depth
// drawings from 2 KB. 5 deep passes preflight and keeps PDFium busy for
// about a second; 7 deep would keep it for minutes and gigabytes.
func nestedFormsPDF(depth int) []byte {
	var draws strings.Builder
	for i := range 10 {
		fmt.Fprintf(&draws, "q 0.9 0 0 0.9 %d %d cm /F Do Q\n", i, i)
	}
	form := func(content, res string) string {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte(content))
		zw.Close()
		return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Filter /FlateDecode /Length %d %s >>\nstream\n%s\nendstream",
			z.Len(), res, z.Bytes())
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /XObject << /F 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", draws.Len(), draws.String()),
	}
	for i := range depth - 1 {
		objs = append(objs, form(draws.String(), fmt.Sprintf("/Resources << /XObject << /F %d 0 R >> >>", 6+i)))
	}
	objs = append(objs, form("0 0 m 10 10 l S", ""))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

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
		v := e.upload(t, j, "forms.pdf", nestedFormsPDF(5))

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
