package pipeline

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

// erp is a real callback receiver fed by a real callback worker.
type erp struct {
	mu     sync.Mutex
	bodies []callback.Payload
	url    string
}

// withERP starts a receiver and a callback worker for e's workflow.
func withERP(t *testing.T, e *env) *erp {
	t.Helper()
	rc := &erp{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p callback.Payload
		if json.Unmarshal(b, &p) == nil {
			rc.mu.Lock()
			rc.bodies = append(rc.bodies, p)
			rc.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	rc.url = srv.URL
	if _, err := vault.New(e.st).RotateSecret(t.Context(), e.tenant.ID); err != nil {
		t.Fatal(err) // callbacks are signed
	}
	w, err := callback.New(callback.Config{Store: e.st, Client: netguard.NewClient(netguard.Options{AllowInsecure: true}),
		Schedule: callback.Schedule{0}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	e.flow.Notify = w.Notify
	return rc
}

// await waits for a callback of type typ about the job.
func (rc *erp) await(t *testing.T, jobID string, typ job.EventType) callback.Payload {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		for _, p := range rc.bodies {
			if p.SessionID == jobID && p.EventType == string(typ) {
				rc.mu.Unlock()
				return p
			}
		}
		rc.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	t.Fatalf("no %s callback for %s within 60 s; got %+v", typ, jobID, rc.bodies)
	return callback.Payload{}
}

// TestProofFailedReachesERP: a proof that cannot be made is a
// proof_failed callback at a real receiver, whose finding says whose fault
// it was: the file's when PDFium cannot open it (given up at once), and
// Submit's when the storage refuses to write the proof (a real
// filesystem refusal: a file stands where the proof's directory must be),
// given up after MaxAttempts and never blamed on the file.
func TestProofFailedReachesERP(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		rc := withERP(t, e)
		e.pipeline(t, quickRetries)
		newJob := func(ext string) job.Job {
			j := e.flow.NewJob(workflow.NewJobParams{TenantID: e.tenant.ID, Livemode: true, ExternalID: ext, CallbackURL: rc.url})
			if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
				t.Fatal(err)
			}
			return j
		}

		var unreadable []byte
		for _, c := range hostilepdf.BrokenEncryption() {
			if c.Name == "/Encrypt nested 100 000 deep" {
				unreadable = c.PDF
			}
		}
		if unreadable == nil {
			t.Fatal("hostilepdf has no /Encrypt nested 100 000 deep")
		}
		bad := newJob("UNRENDERABLE")
		e.upload(t, bad, "bad.pdf", unreadable)
		p := rc.await(t, bad.ID, job.EventProofFailed)
		if p.Status != string(job.PreflightPassed) || len(p.Errors) != 1 || p.Errors[0].Code != CodeProofFailed ||
			fault(p.Errors[0]) != "file" || !strings.Contains(p.Errors[0].Message, "Export the PDF again") {
			t.Errorf("proof_failed of a file PDFium cannot open = %+v, want PROOF_RENDER_FAILED, the file's fault", p)
		}

		// The storage refuses: the job's directory under the blob root
		// is a regular file, so nothing can be written below it.
		blocked := newJob("STORAGE-REFUSES")
		v := e.upload(t, blocked, "good.pdf", samplePDF(t, 1))
		prefix := workflow.VersionPrefix(blocked.ID, v.ID)
		dir := filepath.Join(e.dir, "files", filepath.FromSlash(prefix), "proof")
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
			t.Fatal(err)
		}
		p = rc.await(t, blocked.ID, job.EventProofFailed)
		if len(p.Errors) != 1 || p.Errors[0].Code != CodeProofServiceFailed ||
			!strings.Contains(p.Errors[0].Message, "storage") || !strings.Contains(p.Errors[0].Message, "not a problem with the file") {
			t.Errorf("proof_failed when storage refuses = %+v, want PROOF_SERVICE_FAILED naming storage, not the file", p)
		}
		if fault(p.Errors[0]) != "submit" {
			t.Errorf("details %s, want fault submit", p.Errors[0].Details)
		}
		// The operator has it made again once the storage is fixed.
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := e.flow.RetryProof(t.Context(), blocked.TenantID, blocked.ID); err != nil {
			t.Fatal(err)
		}
		rc.await(t, blocked.ID, job.EventProofGenerated)
	})
}
