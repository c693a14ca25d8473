package pipeline

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/pdfwrite"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// a5Page is an A5 page with no trim box: the page is the cut, as many
// design programs export it, and the boxes fix declares it.
func a5Pages(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pdfwrite.New(&b)
	m := [4]float64{0, 0, preflight.MM(148), preflight.MM(210)}
	for range n {
		w.Page(pdfwrite.Page{MediaBox: m, Content: []byte("0 0 0 1 k 40 40 200 300 re f")})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFixedFilePrints: an A5 file without a trim box for an A5 order
// without bleed. The boxes fix applies; the fixed file is the one that
// prints, is preflighted and proofed; the upload stays as original_pdf,
// byte for byte at the start of the fixed file; the version, its report
// and every event after preflight carry the fix.
func TestFixedFilePrints(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.flow.NewJob(workflow.NewJobParams{
			TenantID: e.tenant.ID, Livemode: true, ExternalID: "ORDER-A5", CallbackURL: "https://erp.example.com/hooks",
			Preflight: &job.Expectations{TrimSize: &job.Size{Width: 148, Height: 210, Unit: "mm"},
				Bleed: &job.Bleed{Size: 0, Unit: "mm"}},
		})
		if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
			t.Fatal(err)
		}
		orig := a5Pages(t, 2)
		v := e.upload(t, j, "a5.pdf", orig)
		e.wait(t, j, job.ProofGenerated)
		v, err := st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Fixes) != 1 || v.Fixes[0].Code != pdffix.CodeBoxesSet || len(v.Fixes[0].Pages) != 2 || v.Fixes[0].Message == "" {
			t.Fatalf("version fixes = %+v, want BOXES_SET on both pages", v.Fixes)
		}
		if v.Files[workflow.FileOriginalPDF] != v.BlobKey || v.Files[workflow.FileProcessedPDF] != workflow.ProcessedKey(j.ID, v.ID) {
			t.Errorf("files = %v, want original_pdf the upload and processed_pdf the fixed file", v.Files)
		}
		fixedFile := e.read(t, v.Files[workflow.FileProcessedPDF])
		if !bytes.HasPrefix(fixedFile, orig) || len(fixedFile) == len(orig) {
			t.Errorf("the fixed file (%d bytes) does not start with the %d bytes of the upload and add to them", len(fixedFile), len(orig))
		}
		if got := e.read(t, v.Files[workflow.FileOriginalPDF]); !bytes.Equal(got, orig) {
			t.Error("original_pdf is not the upload byte for byte")
		}
		var rep preflight.Report
		if err := json.Unmarshal(e.read(t, v.Files[workflow.FilePreflightReport]), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Fixes) != 1 || rep.Fixes[0].Code != pdffix.CodeBoxesSet {
			t.Errorf("report fixes = %+v, want BOXES_SET", rep.Fixes)
		}
		for _, f := range rep.Errors {
			if f.Code == preflight.CodeTrimBoxMissing {
				t.Errorf("the report of the fixed file still says %s: it is of the upload", f.Code)
			}
		}
		// The proof is of the fixed file: its pages know the trim box.
		pages, err := e.flow.ProofPages(t.Context(), j.TenantID, v.ID)
		if err != nil || len(pages) != 2 || pages[0].TrimBox == nil {
			t.Errorf("proof pages = %+v, %v; want 2 with the trim box the fix declared", pages, err)
		}
		evs, err := st.ListEvents(t.Context(), j.TenantID, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			want := ev.Status == job.PreflightPassed || ev.Status == job.ProofGenerated
			if got := len(ev.Fixes) == 1; got != want {
				t.Errorf("event %s fixes = %+v; want them on every event after preflight", ev.Type, ev.Fixes)
			}
		}
	})
}

// TestNothingToFix: a file that needs no fix prints as uploaded:
// processed_pdf is the upload itself, and no fixes are recorded.
func TestNothingToFix(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.flow.NewJob(workflow.NewJobParams{
			TenantID: e.tenant.ID, Livemode: true, ExternalID: "ORDER-A4",
			Preflight: &job.Expectations{TrimSize: &job.Size{Width: 210, Height: 297, Unit: "mm"}},
		})
		if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
			t.Fatal(err)
		}
		v := e.upload(t, j, "a4.pdf", samplePDF(t, 1))
		e.wait(t, j, job.ProofGenerated)
		v, err := st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Fixes != nil || v.Files[workflow.FileProcessedPDF] != v.BlobKey || v.Files[workflow.FileOriginalPDF] != v.BlobKey {
			t.Errorf("fixes %+v, files %v; want none, and processed_pdf the upload", v.Fixes, v.Files)
		}
	})
}

// read returns a stored file's bytes.
func (e *env) read(t *testing.T, key string) []byte {
	t.Helper()
	f, err := e.flow.OpenFile(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDamagedFileIsNotFixed: a file whose cross-reference table is wrong
// (preflight reads it by repair, FILE_REPAIRED) is not fixed, although it
// lacks the trim box the boxes fix would set: the fixer touches no file it
// cannot read cleanly. The job goes on with the original; nothing fails.
func TestDamagedFileIsNotFixed(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.flow.NewJob(workflow.NewJobParams{
			TenantID: e.tenant.ID, Livemode: true, ExternalID: "ORDER-DAMAGED",
			Preflight: &job.Expectations{TrimSize: &job.Size{Width: 148, Height: 210, Unit: "mm"},
				Bleed: &job.Bleed{Size: 0, Unit: "mm"}},
		})
		if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
			t.Fatal(err)
		}
		file := a5Pages(t, 1)
		i := bytes.LastIndex(file, []byte("startxref\n"))
		if i < 0 {
			t.Fatal("no startxref in the fixture")
		}
		damaged := append(append([]byte{}, file[:i]...), []byte("startxref\n9\n%%EOF\n")...)
		v := e.upload(t, j, "damaged.pdf", damaged)
		e.wait(t, j, job.ProofGenerated)
		v, err := st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !hasCode(v.Errors, preflight.CodeFileRepaired) {
			t.Fatalf("findings %v: the fixture is not read by repair, so it tests nothing", v.Errors)
		}
		if v.Fixes != nil || v.Files[workflow.FileProcessedPDF] != v.BlobKey {
			t.Errorf("fixes %+v, processed_pdf %q: want none, and the upload to print", v.Fixes, v.Files[workflow.FileProcessedPDF])
		}
	})
}
