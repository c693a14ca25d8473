package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// TestProofShowsFixes: beside a proof of a fixed file, the page says what
// was fixed, on which pages, with the messages escaped; a file that was
// not fixed gets no such section.
func TestProofShowsFixes(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.browser(t)

	j := e.newJob(t, workflow.NewJobParams{})
	v := e.upload(t, j)
	e.move(t, j, v, job.Preflighting, nil, nil)
	_, err := e.flow.Transition(t.Context(), workflow.Change{
		TenantID: j.TenantID, JobID: j.ID, To: job.PreflightPassed, ArtworkVersionID: v.ID,
		Fixes: []job.Fix{
			{Code: "BOXES_SET", Message: "We marked where your pages are cut <b>.", Pages: []int{1, 2}},
			{Code: "PAGES_ROTATED", Message: "We turned page 2 a quarter turn.", Pages: []int{2}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.proof(t, j, v, 2)
	_, body := get(t, c, e.url(j, ""))
	for _, want := range []string{"We fixed 2 things for you", "We marked where your pages are cut &lt;b&gt;.",
		"(pages 1, 2)", "We turned page 2 a quarter turn.", "(page 2)"} {
		if !strings.Contains(body, want) {
			t.Errorf("the proof page lacks %q", want)
		}
	}

	plain := e.newJob(t, workflow.NewJobParams{})
	e.proofReady(t, plain, e.upload(t, plain), 1, nil)
	if _, body := get(t, c, e.url(plain, "")); strings.Contains(body, "We fixed") {
		t.Error("the proof page of a file nothing was fixed in says something was")
	}
}

// choiceReady takes an uploaded job to proof_generated as the pipeline
// does when the profile offered a fix: a fixed file with its proof (one
// page) and the file without the offered fix with its own proof, whose
// page is another image.
func (e *env) choiceReady(t *testing.T, j job.Job, v store.ArtworkVersion) (fixedPage, unchangedPage []byte) {
	t.Helper()
	keys := workflow.ProofKeys(workflow.UnchangedPrefix(j.ID, v.ID))
	unchangedPage = testJPEG(t, 420, 595)
	manifest, _ := json.Marshal([]workflow.ProofPage{{Number: 1, Key: keys.Page(1), PixelWidth: 420, PixelHeight: 595,
		WidthPt: 420, HeightPt: 595, CropBox: &[4]float64{0, 0, 420, 595}, TrimBox: &[4]float64{0, 0, 420, 595}}})
	for key, b := range map[string][]byte{keys.Page(1): unchangedPage, keys.Manifest: manifest, keys.PDF: []byte("%PDF-")} {
		if _, err := e.blobs.Put(t.Context(), key, bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	e.move(t, j, v, job.Preflighting, nil, nil)
	unchanged := &store.PrintFile{PDF: v.BlobKey, SHA256: v.SHA256, Report: "jobs/x/unchanged.json", Proof: keys.PDF,
		Fixes: []job.Fix{}, Errors: []job.Finding{}}
	_, err := e.flow.Transition(t.Context(), workflow.Change{
		TenantID: j.TenantID, JobID: j.ID, To: job.PreflightPassed, ArtworkVersionID: v.ID,
		Fixes: []job.Fix{{Code: "BLEED_ADDED", Message: "We added 3 mm of bleed.", Pages: []int{1}, Offered: true}},
		Files: map[string]string{workflow.FileProcessedPDF: workflow.ProcessedKey(j.ID, v.ID)},
		Print: &store.PrintChoice{SHA256: "fixed-sha", Unchanged: unchanged},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.proof(t, j, v, 1)
	return e.read(t, workflow.ProofPageKey(j.ID, v.ID, 1)), unchangedPage
}

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

// TestChooseUnchanged: with a fix only offered, the page shows the fixed
// proof and offers the unchanged file; that view shows the unchanged
// file's pages and approving it prints that file, whose SHA-256 the
// version keeps, and the approved page shows what was approved.
func TestChooseUnchanged(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.browser(t)
	j := e.newJob(t, workflow.NewJobParams{})
	v := e.upload(t, j)
	fixedPage, unchangedPage := e.choiceReady(t, j, v)

	_, body := get(t, c, e.url(j, ""))
	for _, want := range []string{"We added 3 mm of bleed.", "optional", "Use my file unchanged",
		`href="/u/` + j.UploadToken + `?print=unchanged"`, "approving prints it this way"} {
		if !strings.Contains(body, want) {
			t.Errorf("the proof page lacks %q", want)
		}
	}
	if strings.Contains(body, `name="print"`) {
		t.Error("the approve form of the fixed proof asks to print the unchanged file")
	}
	_, body = get(t, c, e.url(j, "?print=unchanged"))
	src := "/u/" + j.UploadToken + "/proof/" + v.ID + "/1.jpg?print=unchanged"
	if !strings.Contains(body, `src="`+src+`"`) || !strings.Contains(body, `name="print" value="unchanged"`) {
		t.Fatalf("the unchanged view does not show the unchanged proof and approve it:\n%s", body)
	}
	// The language menu keeps the view: its GET form carries print too.
	if strings.Count(body, `name="print" value="unchanged"`) < 2 {
		t.Error("the language menu of the unchanged view leaves it")
	}
	if _, de := get(t, e.browser(t), e.url(j, "?print=unchanged&lang=de")); !strings.Contains(de, `src="`+src+`"`) || !strings.Contains(de, `<html lang="de"`) {
		t.Error("the unchanged view in German does not show the unchanged proof")
	}
	if _, img := get(t, c, e.srv.URL+src); img != string(unchangedPage) {
		t.Error("the unchanged proof image is not the unchanged file's page")
	}
	if _, img := get(t, c, e.srv.URL+"/u/"+j.UploadToken+"/proof/"+v.ID+"/1.jpg"); img != string(fixedPage) {
		t.Error("the proof image is not the fixed file's page")
	}

	token := csrfOf(t, e, c, j)
	if status, _ := postForm(t, c, e.url(j, "/approve"), url.Values{"csrf": {token}, "confirm": {"on"}, "print": {"unchanged"}}); status != http.StatusSeeOther {
		t.Fatalf("approve unchanged: %d", status)
	}
	got, err := e.st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Files[workflow.FileProcessedPDF] != v.BlobKey || got.Print.Chosen != store.PrintUnchanged ||
		got.Print.SHA256 != v.SHA256 || len(got.Fixes) != 0 {
		t.Errorf("after approving the unchanged file: files %v, print %+v, fixes %+v; want the upload, its SHA-256, no fixes",
			got.Files, got.Print, got.Fixes)
	}
	if _, body := get(t, c, e.url(j, "")); !strings.Contains(body, `src="`+src+`"`) {
		t.Error("the approved page does not show the file approved")
	}
	evs, _ := e.st.ListEvents(t.Context(), j.TenantID, j.ID)
	if last := evs[len(evs)-1]; last.Type != job.EventApproved || last.Files[workflow.FileProcessedPDF] != v.BlobKey || last.Fixes == nil || len(last.Fixes) != 0 {
		t.Errorf("approved event: files %v, fixes %v; want the upload and no fixes", last.Files, last.Fixes)
	}
}

// TestApproveFixedRecordsTheChoice: approving the fixed proof keeps the
// fixed file and says so; asking for the unchanged file where none is
// offered is refused with a way forward.
func TestApproveFixedRecordsTheChoice(t *testing.T) {
	t.Parallel()
	e := setup(t)
	c := e.browser(t)
	j := e.newJob(t, workflow.NewJobParams{})
	v := e.upload(t, j)
	e.choiceReady(t, j, v)
	token := csrfOf(t, e, c, j)
	if status, _ := postForm(t, c, e.url(j, "/approve"), url.Values{"csrf": {token}, "confirm": {"on"}}); status != http.StatusSeeOther {
		t.Fatalf("approve: %d", status)
	}
	got, _ := e.st.ArtworkVersion(t.Context(), j.TenantID, v.ID)
	if got.Print.Chosen != store.PrintFixed || got.Print.SHA256 != "fixed-sha" || len(got.Fixes) != 1 ||
		got.Files[workflow.FileProcessedPDF] != workflow.ProcessedKey(j.ID, v.ID) {
		t.Errorf("after approving the fixed proof: print %+v, fixes %v, files %v", got.Print, got.Fixes, got.Files)
	}

	plain := e.newJob(t, workflow.NewJobParams{})
	e.proofReady(t, plain, e.upload(t, plain), 1, nil)
	token = csrfOf(t, e, c, plain)
	status, body := postForm(t, c, e.url(plain, "/approve"), url.Values{"csrf": {token}, "confirm": {"on"}, "print": {"unchanged"}})
	if status != http.StatusConflict || !strings.Contains(body, "no unchanged file to approve") {
		t.Errorf("approving an unchanged file where none is offered: %d", status)
	}
	if cur, _ := e.st.Job(t.Context(), plain.TenantID, plain.ID); cur.Status != job.ProofGenerated {
		t.Errorf("the job is %s after a refused approval", cur.Status)
	}
}
