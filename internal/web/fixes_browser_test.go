package web_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/atomyx/submit/internal/pdfwrite"
)

// a4NoBleed writes an A4 file of two pages without bleed whose colour runs
// to every edge: an A5 order's artwork exported at the wrong size, as
// customers send it.
func a4NoBleed(t *testing.T) string {
	t.Helper()
	w, h := 595.28, 841.89
	var b bytes.Buffer
	pw := pdfwrite.New(&b)
	for n := 1; n <= 2; n++ {
		art := fmt.Sprintf("0.1 0.5 0.45 0 k 0 0 %.2f %.2f re f 0 0 0 1 k 60 %.2f %.2f 40 re f 0.9 0.1 0 0 k %.2f 0 40 %.2f re f",
			w, h, h-120, w-120, w-40, h/float64(n+1))
		pw.Page(pdfwrite.Page{MediaBox: [4]float64{0, 0, w, h}, Content: []byte(art)})
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flyer-A4.pdf")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// fixCodes lists the codes of a fixes array from the API or a callback.
func fixCodes(v any) []string {
	fs, _ := v.([]any)
	var out []string
	for _, f := range fs {
		m, _ := f.(map[string]any)
		out = append(out, fmt.Sprint(m["code"]))
	}
	slices.Sort(out)
	return out
}

// TestBrowserApproveFixes: an A4 file without bleed for an A5 order with
// 3 mm bleed. Submit scales it (automatic) and adds the bleed (offered,
// and needed: without it the file fails the order), and the customer sees
// both fixes beside the proof and approves. The job ends approved with the
// two fixes, the fixed file prints, the upload is kept as original_pdf,
// and the ERP hears the fixes.
func TestBrowserApproveFixes(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)
	jobID, link := newOrder(t, s, rc, "PO-2026-0501", "")

	do(t, ctx, "upload an A4 file for the A5 order", chromedp.Navigate(link), view("upload"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{a4NoBleed(t)}), view("proof"),
		browsertest.Started(`#page-2 img`), browsertest.Started(`.fixes`))
	card := read(t, ctx, "read what was fixed", chromedp.Text(chromedp.CSS(".fixes")))
	for _, want := range []string{"We fixed 2 things for you", "We scaled 2 pages", "We added 3 mm of bleed"} {
		if !strings.Contains(card, want) {
			t.Errorf("the fixes card lacks %q:\n%s", want, card)
		}
	}
	if strings.Contains(card, "Use my file unchanged") {
		t.Errorf("the card offers the file unchanged, which would fail the order's bleed:\n%s", card)
	}
	do(t, ctx, "approve the fixed proof",
		chromedp.Click(chromedp.CSS(`.approve-form input[name=confirm]`)),
		chromedp.Click(chromedp.CSS(`.approve-form button[type=submit]`)),
		view("approved"))

	j := s.api(t, "GET", "/api/jobs/"+jobID, nil)
	v := j["artworkVersions"].([]any)[0].(map[string]any)
	files := v["files"].(map[string]any)
	if j["status"] != "approved" || !slices.Equal(fixCodes(v["fixes"]), []string{"BLEED_ADDED", "PAGES_SCALED"}) {
		t.Errorf("job %v with fixes %v; want approved, scaled and with bleed added", j["status"], fixCodes(v["fixes"]))
	}
	if files["original_pdf"] == nil || files["processed_pdf"] == nil || files["original_pdf"] == files["processed_pdf"] {
		t.Errorf("files %v: want the upload and the fixed file", files)
	}
	if sha, _ := v["processedSha256"].(string); len(sha) != 64 || sha == v["sha256"] {
		t.Errorf("processedSha256 %q: want the fixed file's, not the upload's %v", sha, v["sha256"])
	}
	got := rc.events(t, jobID, "approved")
	checkCallbacks(t, got, "uploaded", "preflighting", "preflight_passed", "proof_generated", "approved")
	if codes := fixCodes(got[len(got)-1].Body["fixes"]); !slices.Equal(codes, fixCodes(v["fixes"])) {
		t.Errorf("the approved callback carries fixes %v, want the version's %v", codes, fixCodes(v["fixes"]))
	}
}

// TestBrowserKeepMyFile: the same file for an A5 order that names no
// bleed (the profile's 3 mm are then a recommendation). Submit scales it
// and offers the bleed; the customer looks at the proof without the
// bleed, and approves that. The file that prints has the automatic fix
// only, and the choice is recorded.
func TestBrowserKeepMyFile(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)
	j := s.api(t, "POST", "/api/jobs", map[string]any{
		"externalId": "PO-2026-0502", "callbackURL": rc.url,
		"preflight": map[string]any{"trimSize": map[string]any{"width": 148, "height": 210, "unit": "mm"}},
	})
	jobID, link := j["id"].(string), j["uploadURL"].(string)

	do(t, ctx, "upload an A4 file for the A5 order", chromedp.Navigate(link), view("upload"),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{a4NoBleed(t)}), view("proof"),
		browsertest.Started(`.fixes`))
	card := read(t, ctx, "read what was fixed", chromedp.Text(chromedp.CSS(".fixes")))
	for _, want := range []string{"We fixed 2 things for you", "optional", "Use my file unchanged"} {
		if !strings.Contains(card, want) {
			t.Errorf("the fixes card lacks %q:\n%s", want, card)
		}
	}
	screenshot(t, ctx, "fixes")
	fixedSrc := read(t, ctx, "read the fixed proof's image", chromedp.Evaluate[string](`document.querySelector("#page-1 img").getAttribute("src")`))
	do(t, ctx, "look at the file unchanged",
		chromedp.Click(chromedp.CSS(`.fixes .choice a[href$="?print=unchanged"]`)),
		browsertest.Started(`.approve-form:has(input[name=print]) button[type=submit]`))
	src := read(t, ctx, "read the unchanged proof's image", chromedp.Evaluate[string](`document.querySelector("#page-1 img").getAttribute("src")`))
	if src == fixedSrc || !strings.HasSuffix(src, "?print=unchanged") {
		t.Errorf("the unchanged view shows %q, the fixed one %q: want the unchanged file's proof", src, fixedSrc)
	}
	do(t, ctx, "approve the file unchanged",
		chromedp.Click(chromedp.CSS(`.approve-form input[name=confirm]`)),
		chromedp.Click(chromedp.CSS(`.approve-form button[type=submit]`)),
		view("approved"))

	j = s.api(t, "GET", "/api/jobs/"+jobID, nil)
	v := j["artworkVersions"].([]any)[0].(map[string]any)
	if j["status"] != "approved" || v["printed"] != "unchanged" {
		t.Fatalf("job %v, printed %v; want approved, unchanged", j["status"], v["printed"])
	}
	if codes := fixCodes(v["fixes"]); !slices.Equal(codes, []string{"PAGES_SCALED"}) {
		t.Errorf("the file approved unchanged has fixes %v, want the automatic scaling alone", codes)
	}
	got := rc.events(t, jobID, "approved")
	if codes := fixCodes(got[len(got)-1].Body["fixes"]); !slices.Equal(codes, fixCodes(v["fixes"])) {
		t.Errorf("the approved callback carries fixes %v, want the version's %v", codes, fixCodes(v["fixes"]))
	}
}
