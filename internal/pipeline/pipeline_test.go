package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/jpeg"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// TestPassThenApprove: upload → preflighting → preflight_passed →
// proof_generated → approved, every step an event with a delivery.
func TestPassThenApprove(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.newJob(t, "")
		v := e.upload(t, j, `C:\Users\ana\Desktop\cover "final".pdf`, samplePDF(t, 2))
		if v.Filename != "cover final.pdf" || v.Status != job.Uploaded || len(v.SHA256) != 64 {
			t.Errorf("version after upload = %+v", v)
		}
		e.wait(t, j, job.ProofGenerated)

		v, err := st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != job.ProofGenerated || v.Pages != 2 || len(v.Errors) != 0 {
			t.Errorf("version = status %s, pages %d, errors %v", v.Status, v.Pages, v.Errors)
		}
		for _, kind := range []string{workflow.FileProcessedPDF, workflow.FilePreflightReport, workflow.FileProof} {
			f, err := e.flow.OpenFile(t.Context(), v.Files[kind])
			if err != nil {
				t.Fatalf("file %s: %v", kind, err)
			}
			head := make([]byte, 5)
			_, _ = io.ReadFull(f, head)
			f.Close()
			if want := map[bool]string{true: "{", false: "%PDF-"}[kind == workflow.FilePreflightReport]; !strings.HasPrefix(string(head), want) {
				t.Errorf("file %s starts %q", kind, head)
			}
		}
		checkProofPages(t, e, v, 2)

		if _, err := e.flow.Approve(t.Context(), j.TenantID, j.ID, customer); err != nil {
			t.Fatal(err)
		}
		got := e.statuses(t, j)
		want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated, job.Approved}
		if !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
		// Every event after preflight lists every file that exists by then.
		evs, _ := st.ListEvents(t.Context(), j.TenantID, j.ID)
		all := []string{"original_pdf", "preflight_report", "processed_pdf", "proof"}
		for i, kinds := range [][]string{nil, nil, all[:3], all, all} {
			got := slices.Sorted(maps.Keys(evs[i].Files))
			if !slices.Equal(got, kinds) {
				t.Errorf("event %s files = %v, want %v", evs[i].Status, got, kinds)
			}
		}
		ds, _ := st.ListDeliveries(t.Context(), j.TenantID, j.ID)
		if len(ds) != len(want) {
			t.Errorf("%d callback deliveries, want one per event (%d)", len(ds), len(want))
		}
		if again, err := e.flow.Approve(t.Context(), j.TenantID, j.ID, customer); err != nil || again.Status != job.Approved {
			t.Errorf("approving twice = %s, %v", again.Status, err)
		}
	})
}

func checkProofPages(t *testing.T, e *env, v store.ArtworkVersion, n int) {
	t.Helper()
	pages, err := e.flow.ProofPages(t.Context(), v.TenantID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != n {
		t.Fatalf("%d proof pages, want %d", len(pages), n)
	}
	p := pages[0]
	if p.TrimBox == nil || p.CropBox == nil || p.PixelWidth < 1200 {
		t.Errorf("proof page 1 = %+v", p)
	}
	// A4 trim inside 3 mm bleed: the trim starts 3/216 of the width in.
	if r, ok := p.Frac(p.TrimBox); !ok || r.Left < 0.013 || r.Left > 0.015 || r.Width < 0.97 {
		t.Errorf("trim on the image = %+v, %v", r, ok)
	}
	f, err := e.flow.OpenFile(t.Context(), p.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil || img.Bounds().Dx() != p.PixelWidth {
		t.Errorf("page JPEG: %v, %v", img.Bounds(), err)
	}
}

// TestFailThenNewVersionThenReject: a failing file, a new version that
// passes, and a rejection with a reason.
func TestFailThenNewVersionThenReject(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.newJob(t, "")
		v1 := e.upload(t, j, "low.pdf", lowResPDF(t))
		e.wait(t, j, job.PreflightFailed)
		v1, _ = st.ArtworkVersion(t.Context(), j.TenantID, v1.ID)
		if !hasCode(v1.Errors, "LOW_RESOLUTION_IMAGE") || v1.Files[workflow.FilePreflightReport] == "" {
			t.Errorf("failed version = %+v", v1)
		}
		if v1.Files[workflow.FileProcessedPDF] != "" {
			t.Error("a failed version has a processed_pdf")
		}

		v2 := e.upload(t, j, "fixed.pdf", samplePDF(t, 1))
		e.wait(t, j, job.ProofGenerated)
		if _, err := e.flow.Reject(t.Context(), j.TenantID, j.ID, "  ", customer); !errors.Is(err, workflow.ErrReason) {
			t.Errorf("reject without a reason: %v", err)
		}
		if _, err := e.flow.Reject(t.Context(), j.TenantID, j.ID, strings.Repeat("x", 2001), customer); !errors.Is(err, workflow.ErrReason) {
			t.Errorf("reject with 2001 characters: %v", err)
		}
		got, err := e.flow.Reject(t.Context(), j.TenantID, j.ID, "The logo is too small.", customer)
		if err != nil || got.Status != job.Rejected || got.CurrentVersionID != v2.ID {
			t.Fatalf("Reject = %+v, %v", got, err)
		}
		evs, _ := st.ListEvents(t.Context(), j.TenantID, j.ID)
		last := evs[len(evs)-1]
		if len(last.Errors) != 1 || last.Errors[0].Code != workflow.CodeRejected || last.Errors[0].Message != "The logo is too small." ||
			last.ArtworkVersionID != v2.ID {
			t.Errorf("rejected event = %+v", last)
		}
		vs, _ := st.ListArtworkVersions(t.Context(), j.TenantID, j.ID)
		if len(vs) != 2 || vs[0].Status != job.PreflightFailed || vs[1].Status != job.Rejected {
			t.Errorf("versions = %v", vs)
		}
		want := []job.Status{job.Uploaded, job.Preflighting, job.PreflightFailed,
			job.Uploaded, job.Preflighting, job.PreflightPassed, job.ProofGenerated, job.Rejected}
		if got := e.statuses(t, j); !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}
		// A rejected job takes a third version.
		e.upload(t, j, "third.pdf", samplePDF(t, 1))
		e.wait(t, j, job.ProofGenerated)
	})
}

func hasCode(fs []job.Finding, code string) bool {
	return slices.ContainsFunc(fs, func(f job.Finding) bool { return f.Code == code })
}

// TestUploadRefusals: not a PDF, too large, wrong status; nothing stored.
func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t))
	e.flow.MaxUploadBytes = 4096
	j := e.newJob(t, "")
	up := func(body []byte, size int64) error {
		_, err := e.flow.Upload(t.Context(), workflow.UploadParams{
			TenantID: j.TenantID, JobID: j.ID, Filename: "a.pdf", Body: bytes.NewReader(body), Size: size,
		})
		return err
	}
	if err := up([]byte("<html>hello</html>"), -1); !errors.Is(err, workflow.ErrNotPDF) {
		t.Errorf("HTML: %v, want ErrNotPDF", err)
	}
	if err := up(nil, 0); !errors.Is(err, workflow.ErrNotPDF) {
		t.Errorf("empty: %v, want ErrNotPDF", err)
	}
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 5000)...)
	if err := up(big, -1); !errors.Is(err, workflow.ErrTooLarge) {
		t.Errorf("5 KB of unknown size: %v, want ErrTooLarge", err)
	}
	if err := up(big[:100], 5000); !errors.Is(err, workflow.ErrTooLarge) {
		t.Errorf("announced 5 KB: %v, want ErrTooLarge", err)
	}
	junk := append(bytes.Repeat([]byte{' '}, 1000), []byte("%PDF-1.4\n")...)
	if err := up(junk, -1); err != nil {
		t.Errorf("a header after 1000 bytes of junk: %v", err)
	}
	if err := up(big[:100], -1); !errors.Is(err, job.ErrTransition) {
		t.Errorf("upload to an uploaded job: %v, want ErrTransition", err)
	}
	vs, _ := e.st.ListArtworkVersions(t.Context(), j.TenantID, j.ID)
	if len(vs) != 1 {
		t.Errorf("%d versions, want only the accepted one", len(vs))
	}
	var files []string
	_ = walk(e.dir+"/files", &files)
	if len(files) != 1 {
		t.Errorf("stored files %v, want only the accepted upload", files)
	}
}

// TestReportIsJSON: the stored report is the contract's report object.
func TestReportIsJSON(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t))
	e.pipeline(t)
	j := e.newJob(t, "")
	v := e.upload(t, j, "a.pdf", lowResPDF(t))
	e.wait(t, j, job.PreflightFailed)
	r, err := e.flow.OpenReport(t.Context(), j.TenantID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rep struct {
		File      string `json:"file"`
		Status    string `json:"status"`
		Inventory struct {
			Pages []json.RawMessage `json:"pages"`
		} `json:"inventory"`
	}
	if err := json.NewDecoder(r).Decode(&rep); err != nil || rep.File != "a.pdf" || rep.Status != "preflight_failed" || len(rep.Inventory.Pages) != 1 {
		t.Errorf("report = %+v, %v", rep, err)
	}
}

// customer decides in the tests as on the customer's page.
var customer = job.Actor{Kind: job.ActorCustomer}
