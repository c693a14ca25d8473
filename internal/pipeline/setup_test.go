package pipeline

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/pdfwrite"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// The renderer and the engine are shared by the package's tests: starting
// a renderer is the slow part, and both are safe for concurrent use.
var (
	engines     sync.Once
	pool        *pdfium.Pool
	renderer    *proof.Renderer
	engine      *preflight.Engine
	enginesErr  error
	wazeroCache = filepath.Join(os.TempDir(), "submit-test-wazero-cache")
)

func sharedEngines(t *testing.T) (*preflight.Engine, *proof.Renderer) {
	t.Helper()
	engines.Do(func() {
		if engine, enginesErr = preflight.New(preflight.Options{}); enginesErr != nil {
			return
		}
		if pool, enginesErr = pdfium.New(pdfium.Options{CacheDir: wazeroCache, Workers: 4}); enginesErr == nil {
			renderer = proof.New(pool, proof.Options{})
		}
	})
	if enginesErr != nil {
		t.Fatal(enginesErr)
	}
	return engine, renderer
}

// env is one test's world: a store, files, the workflow and a tenant.
type env struct {
	st     store.Store
	flow   *workflow.Service
	tenant store.Tenant
	dir    string
}

func setup(t *testing.T, st store.Store) *env {
	t.Helper()
	dir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	flow := &workflow.Service{Store: st, Now: time.Now, Attempts: 7, Blobs: blobs}
	return &env{st: st, flow: flow, tenant: tn, dir: dir}
}

// pipeline starts a pipeline on e, stopped when the test ends. It uses
// the shared engine and renderer unless mod sets both.
func (e *env) pipeline(t *testing.T, mod ...func(*Config)) *Pipeline {
	t.Helper()
	cfg := Config{
		Flow:   e.flow,
		Client: netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: 5 * time.Second}),
		Lease:  3 * time.Second, Poll: 50 * time.Millisecond, Retry: 200 * time.Millisecond,
		FetchTimeout: 2 * time.Second, TempDir: e.dir,
	}
	for _, m := range mod {
		m(&cfg)
	}
	if cfg.Preflight == nil || cfg.Renderer == nil {
		eng, r := sharedEngines(t)
		cfg.Preflight, cfg.Renderer = cmp.Or(cfg.Preflight, eng), cmp.Or(cfg.Renderer, r)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.flow.Wake = p.Notify
	if err := p.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// newJob creates a job with a callback URL, so that every callback event
// gets a delivery row the test can count.
func (e *env) newJob(t *testing.T, artworkURL string) job.Job {
	t.Helper()
	j := e.flow.NewJob(workflow.NewJobParams{
		TenantID: e.tenant.ID, Livemode: true, ExternalID: "ORDER-1", ArtworkURL: artworkURL,
		CallbackURL: "https://erp.example.com/hooks",
	})
	if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	return j
}

// wait polls until the job is in one of the statuses and returns it.
func (e *env) wait(t *testing.T, j job.Job, want ...job.Status) job.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := e.st.Job(t.Context(), j.TenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(want, got.Status) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s after 60 s, want %v", j.ID, got.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// statuses lists the statuses of the job's events, in order.
func (e *env) statuses(t *testing.T, j job.Job) []job.Status {
	t.Helper()
	evs, err := e.st.ListEvents(t.Context(), j.TenantID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []job.Status
	for _, ev := range evs {
		out = append(out, ev.Status)
	}
	return out
}

// samplePDF is a file that passes the default profile.
func samplePDF(t *testing.T, pages int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pdfwrite.WriteSample(&b, pdfwrite.SampleSpec{Pages: pages}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lowResPDF fails the default profile with LOW_RESOLUTION_IMAGE.
func lowResPDF(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pdfwrite.WriteLowResolution(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *env) upload(t *testing.T, j job.Job, name string, body []byte) store.ArtworkVersion {
	t.Helper()
	v, err := e.flow.Upload(t.Context(), workflow.UploadParams{
		TenantID: j.TenantID, JobID: j.ID, Filename: name, Body: bytes.NewReader(body), Size: int64(len(body)),
	})
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return v
}

// walk lists the regular files under dir.
func walk(dir string, out *[]string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			*out = append(*out, p)
		}
		return err
	})
}
