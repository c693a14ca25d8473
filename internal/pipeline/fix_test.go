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
		j := e.order(t, 148, 210, &job.Bleed{Size: 0, Unit: "mm"})
		orig := a5Pages(t, 2)
		v := e.proofed(t, j, "a5.pdf", orig)
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
		j := e.order(t, 210, 297, nil)
		v := e.proofed(t, j, "a4.pdf", samplePDF(t, 1))
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
		j := e.order(t, 148, 210, &job.Bleed{Size: 0, Unit: "mm"})
		file := a5Pages(t, 1)
		i := bytes.LastIndex(file, []byte("startxref\n"))
		if i < 0 {
			t.Fatal("no startxref in the fixture")
		}
		damaged := append(append([]byte{}, file[:i]...), []byte("startxref\n9\n%%EOF\n")...)
		v := e.proofed(t, j, "damaged.pdf", damaged)
		if !hasCode(v.Errors, preflight.CodeFileRepaired) {
			t.Fatalf("findings %v: the fixture is not read by repair, so it tests nothing", v.Errors)
		}
		if v.Fixes != nil || v.Files[workflow.FileProcessedPDF] != v.BlobKey {
			t.Errorf("fixes %+v, processed_pdf %q: want none, and the upload to print", v.Fixes, v.Files[workflow.FileProcessedPDF])
		}
	})
}

// a4ToEdge is an A4 file without bleed whose colour runs to every edge.
func a4ToEdge(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pdfwrite.New(&b)
	for range n {
		w.Page(pdfwrite.Page{MediaBox: [4]float64{0, 0, 595.28, 841.89},
			Content: []byte("0.1 0.5 0.45 0 k 0 0 595.28 841.89 re f 0 0 0 1 k 60 700 400 40 re f")})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// order creates a job with a callback URL for a trim size of w × h mm
// and the order's bleed: nil names none (the profile's 3 mm then apply,
// as a warning on the default profile), size 0 wants none.
func (e *env) order(t *testing.T, w, h float64, bleed *job.Bleed) job.Job {
	t.Helper()
	j := e.flow.NewJob(workflow.NewJobParams{TenantID: e.tenant.ID, Livemode: true, ExternalID: "ORDER-1",
		CallbackURL: "https://erp.example.com/hooks",
		Preflight:   &job.Expectations{TrimSize: &job.Size{Width: w, Height: h, Unit: "mm"}, Bleed: bleed}})
	if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	return j
}

// TestOfferedFix: an A4 file without bleed, its colour to the edge, for an
// A5 order that names no bleed, on the default profile. Scaling is
// automatic and bleed offered: the file that prints has both, the bleed
// marked offered, and the file with the scaling alone, which passes with
// a warning, is ready for the customer to choose, with its own report and
// proof.
func TestOfferedFix(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.order(t, 148, 210, nil)
		v := e.proofed(t, j, "a4.pdf", a4ToEdge(t, 2))
		offered := map[string]bool{}
		for _, f := range v.Fixes {
			offered[f.Code] = f.Offered
		}
		if len(offered) != 2 || !offered[pdffix.CodeBleedAdded] || offered[pdffix.CodePagesScaled] {
			t.Fatalf("fixes %+v; want PAGES_SCALED, and BLEED_ADDED offered", v.Fixes)
		}
		u := v.Print.Unchanged
		if u == nil || u.Proof == "" || u.PDF == v.BlobKey || u.SHA256 == v.Print.SHA256 ||
			len(u.Fixes) != 1 || u.Fixes[0].Code != pdffix.CodePagesScaled {
			t.Fatalf("print choice %+v; want the scaled file without bleed, proofed", v.Print)
		}
		if !hasCode(u.Errors, preflight.CodeBleed) || hasCode(v.Errors, preflight.CodeBleed) {
			t.Errorf("findings: unchanged %v, fixed %v; want the bleed warning only without the fix", u.Errors, v.Errors)
		}
		if got := e.read(t, u.PDF); !bytes.HasPrefix(got, e.read(t, v.BlobKey)) {
			t.Error("the file without the offered fix does not keep the upload's bytes")
		}
		pages, err := e.flow.UnchangedProofPages(t.Context(), j.TenantID, v.ID)
		if err != nil || len(pages) != 2 {
			t.Errorf("unchanged proof pages: %d, %v", len(pages), err)
		}
	})
}

// TestNeededOfferIsMade: the same file for an order that asks for 3 mm of
// bleed. Without the bleed the file would fail, so the offered fix is
// needed: it is made, not marked optional, and no choice is prepared.
func TestNeededOfferIsMade(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.order(t, 148, 210, &job.Bleed{Size: 3, Unit: "mm"})
		v := e.proofed(t, j, "a4.pdf", a4ToEdge(t, 1))
		if len(v.Fixes) != 2 || v.Fixes[0].Offered || v.Fixes[1].Offered || v.Print == nil || v.Print.Unchanged != nil {
			t.Errorf("fixes %+v, print %+v; want two fixes, none optional, and no choice", v.Fixes, v.Print)
		}
	})
}

// TestWhiteMarginsGetNoBleed: an A4 file whose design keeps a white margin,
// for an A5 order: it is scaled, and no bleed is offered, since nothing
// runs to the edge.
func TestWhiteMarginsGetNoBleed(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st)
		e.pipeline(t)
		j := e.order(t, 148, 210, nil)
		var b bytes.Buffer
		w := pdfwrite.New(&b)
		w.Page(pdfwrite.Page{MediaBox: [4]float64{0, 0, 595.28, 841.89}, Content: []byte("0 0 0 1 k 60 60 400 600 re f")})
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		v := e.proofed(t, j, "margins.pdf", b.Bytes())
		if len(v.Fixes) != 1 || v.Fixes[0].Code != pdffix.CodePagesScaled || v.Print.Unchanged != nil {
			t.Errorf("fixes %+v, print %+v; want the scaling alone, and no choice", v.Fixes, v.Print)
		}
	})
}

// proofed uploads body as name to j, waits for its proof and returns the
// version as the pipeline left it.
func (e *env) proofed(t *testing.T, j job.Job, name string, body []byte) store.ArtworkVersion {
	t.Helper()
	v := e.upload(t, j, name, body)
	e.wait(t, j, job.ProofGenerated)
	v, err := e.st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
