package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// env is a customer-pages server on a real SQLite store and local files.
type env struct {
	st     store.Store
	flow   *workflow.Service
	blobs  *blob.Local
	web    *Web
	srv    *httptest.Server
	tenant string
	logos  *logo.Service
}

type setupOpts struct {
	maxUpload int64
	rate      float64
	burst     int
	// dataDir holds the database, files and uploads; default a new
	// temporary directory.
	dataDir string
	// minFreeDisk is the disk floor in bytes; default 0, no check.
	minFreeDisk int64
}

func setup(t *testing.T, opts ...setupOpts) *env {
	t.Helper()
	var o setupOpts
	if len(opts) > 0 {
		o = opts[0]
	}
	dir := o.dataDir
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := sqlite.Open(t.Context(), filepath.Join(dir, "submit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	blobs, err := blob.NewLocal(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	flow := &workflow.Service{Store: st, Now: time.Now, Attempts: 1, Blobs: blobs, MaxUploadBytes: o.maxUpload}
	now := time.Now().UTC()
	tn := store.Tenant{ID: id.NewAt(id.Tenant, now), Name: "printer", CreatedAt: now}
	if err := st.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	// A long timeout: TestLogoFallback holds a fetch open to see the page
	// of a logo still being checked.
	logos, err := logo.New(logo.Config{Store: st, Blobs: blobs, Poll: 50 * time.Millisecond, Timeout: time.Minute,
		Client: netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: time.Minute})})
	if err != nil {
		t.Fatal(err)
	}
	if err := logos.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(logos.Stop)
	w := New(Deps{Store: st, Workflow: flow, DataDir: dir, PublicURL: "http://127.0.0.1", RequestsPerSecond: o.rate, Burst: o.burst,
		Disk: &disk.Floor{Dir: dir, Min: o.minFreeDisk}, Logos: logos})
	mux := http.NewServeMux()
	w.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(w.Close)
	return &env{st: st, flow: flow, blobs: blobs, web: w, srv: srv, tenant: tn.ID, logos: logos}
}

// newJob stores a job waiting for its upload.
func (e *env) newJob(t *testing.T, p workflow.NewJobParams) job.Job {
	t.Helper()
	p.TenantID = e.tenant
	if p.ExternalID == "" {
		p.ExternalID = "ORDER-1001"
	}
	j := e.flow.NewJob(p)
	if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	return j
}

// upload stores a PDF as a new version, as a customer's upload would.
func (e *env) upload(t *testing.T, j job.Job) store.ArtworkVersion {
	t.Helper()
	v, err := e.flow.Upload(t.Context(), workflow.UploadParams{
		TenantID: j.TenantID, JobID: j.ID, Filename: "flyer.pdf", Body: bytes.NewReader(tinyPDF), Size: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// move takes a job through the statuses, as the pipeline would.
func (e *env) move(t *testing.T, j job.Job, v store.ArtworkVersion, to job.Status, findings []job.Finding, files map[string]string) {
	t.Helper()
	_, err := e.flow.Transition(t.Context(), workflow.Change{
		TenantID: j.TenantID, JobID: j.ID, To: to, ArtworkVersionID: v.ID, Errors: findings, Files: files,
	})
	if err != nil {
		t.Fatalf("move to %s: %v", to, err)
	}
}

// proofReady takes an uploaded job to proof_generated with a proof of
// the given number of A5 pages, each with 3 mm bleed.
func (e *env) proofReady(t *testing.T, j job.Job, v store.ArtworkVersion, pages int, findings []job.Finding) {
	t.Helper()
	e.move(t, j, v, job.Preflighting, nil, nil)
	e.move(t, j, v, job.PreflightPassed, findings, nil)
	e.proof(t, j, v, pages)
}

// proof stores a proof of the given number of A5 pages, each with 3 mm
// bleed, and takes the job from preflight_passed to proof_generated.
func (e *env) proof(t *testing.T, j job.Job, v store.ArtworkVersion, pages int) {
	t.Helper()
	var manifest []workflow.ProofPage
	for n := 1; n <= pages; n++ {
		key := workflow.ProofPageKey(j.ID, v.ID, n)
		if _, err := e.blobs.Put(t.Context(), key, bytes.NewReader(testJPEG(t, 437, 612))); err != nil {
			t.Fatal(err)
		}
		b := 8.5
		manifest = append(manifest, workflow.ProofPage{
			Number: n, Key: key, PixelWidth: 437, PixelHeight: 612, WidthPt: 437, HeightPt: 612,
			CropBox: &[4]float64{0, 0, 437, 612}, MediaBox: &[4]float64{0, 0, 437, 612},
			TrimBox: &[4]float64{b, b, 437 - b, 612 - b}, BleedBox: &[4]float64{0, 0, 437, 612},
		})
	}
	data, _ := json.Marshal(manifest)
	if _, err := e.blobs.Put(t.Context(), workflow.ProofManifestKey(j.ID, v.ID), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	e.move(t, j, v, job.ProofGenerated, nil, map[string]string{workflow.FileProof: workflow.ProofKey(j.ID, v.ID)})
}

// proofGivenUp takes an uploaded job to preflight_passed, unless it is
// there, and gives up its proof as the pipeline does after repeated
// failures: a finding on the version, and the job marked given up.
func (e *env) proofGivenUp(t *testing.T, j job.Job) job.Job {
	t.Helper()
	ctx := t.Context()
	cur, err := e.st.Job(ctx, j.TenantID, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Status != job.PreflightPassed {
		v, err := e.st.ArtworkVersion(ctx, j.TenantID, cur.CurrentVersionID)
		if err != nil {
			t.Fatal(err)
		}
		e.move(t, j, v, job.Preflighting, nil, nil)
		e.move(t, j, v, job.PreflightPassed, nil, nil)
	}
	failed := job.Finding{Code: workflow.CodeProofFailed, Check: "proof", Severity: "error",
		Message: "The proof could not be made. An operator has to look at this file."}
	err = e.st.AddVersionFinding(ctx, store.AddFindingParams{
		TenantID: j.TenantID, VersionID: cur.CurrentVersionID, Finding: failed,
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.GiveUpWork(t, e.st, j.ID, time.Now())
	if cur, err = e.st.Job(ctx, j.TenantID, j.ID); err != nil || cur.WorkGaveUpAt.IsZero() {
		t.Fatalf("job %s not given up: %v", j.ID, err)
	}
	return cur
}

func testJPEG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(200 - y/4), 220, uint8(120 + x/4), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tinyPDF starts like a PDF, which is all an upload checks; preflight is
// not run by these tests.
var tinyPDF = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// browser is an HTTP client with cookies, like the customer's browser.
func (e *env) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) url(j job.Job, path string) string {
	return fmt.Sprintf("%s/u/%s%s", e.srv.URL, j.UploadToken, path)
}
