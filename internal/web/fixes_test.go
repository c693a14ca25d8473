package web

import (
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/job"
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
