package manage

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// proofedJob makes a job of acme whose one version went through
// preflight and proof, with every file stored as the pipeline stores it,
// and returns it with the content of each file by link label.
func (e *env) proofedJob() (store.Job, map[string]string) {
	e.t.Helper()
	ctx := e.t.Context()
	j := e.newJob(e.acme.ID, "ORDER-FILES", "")
	original := "%PDF-1.7\nthe customer's file"
	v, err := e.flow.Upload(ctx, workflow.UploadParams{TenantID: j.TenantID, JobID: j.ID, Filename: "cover.pdf",
		Body: bytes.NewReader([]byte(original)), Size: int64(len(original))})
	if err != nil {
		e.t.Fatal(err)
	}
	pageKey := workflow.ProofPageKey(j.ID, v.ID, 1)
	manifest, _ := json.Marshal([]workflow.ProofPage{{Number: 1, Key: pageKey, PixelWidth: 10, PixelHeight: 10}})
	files := map[string]string{
		workflow.ReportKey(j.ID, v.ID):        `{"status":"passed"}`,
		pageKey:                               "\xff\xd8 page one",
		workflow.ProofManifestKey(j.ID, v.ID): string(manifest),
		workflow.ProofKey(j.ID, v.ID):         "%PDF-1.7\nthe proof",
	}
	for key, body := range files {
		if _, err := e.flow.Blobs.Put(ctx, key, bytes.NewReader([]byte(body))); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, c := range []workflow.Change{
		{To: job.Preflighting},
		{To: job.PreflightPassed, Pages: 1, Files: map[string]string{
			workflow.FilePreflightReport: workflow.ReportKey(j.ID, v.ID), workflow.FileProcessedPDF: v.BlobKey}},
		{To: job.ProofGenerated, Files: map[string]string{workflow.FileProof: workflow.ProofKey(j.ID, v.ID)}},
	} {
		c.TenantID, c.JobID, c.ArtworkVersionID = j.TenantID, j.ID, v.ID
		if _, err := e.flow.Transition(ctx, c); err != nil {
			e.t.Fatal(err)
		}
	}
	return j, map[string]string{
		"original upload":         original,
		"preflight report (JSON)": files[workflow.ReportKey(j.ID, v.ID)],
		"proof (PDF)":             files[workflow.ProofKey(j.ID, v.ID)],
		"1":                       files[pageKey],
	}
}

var linkRE = regexp.MustCompile(`<a href="([^"]*/files/[^"]+)" rel="noreferrer">([^<]+)</a>`)

// TestJobPageFileLinks: the job page links every file of a version with
// the API's file links, and each link serves its file.
func TestJobPageFileLinks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j, want := e.proofedJob()
	res, page := e.signIn("op@acme.test").get("/manage/jobs/" + j.ID)
	wantStatus(t, "job page", res, page, http.StatusOK)
	got := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(page, -1) {
		got[html.UnescapeString(m[2])] = html.UnescapeString(m[1])
	}
	if len(got) != len(want) {
		t.Errorf("links %v, want one for each of %d files", got, len(want))
	}
	for label, body := range want {
		link, ok := got[label]
		if !ok {
			t.Errorf("no link %q on the job page", label)
			continue
		}
		// A plain client, without the operator's session: a file link is a
		// capability of its own, as in the API.
		res, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		if served := read(t, res); res.StatusCode != http.StatusOK || served != body {
			t.Errorf("GET %s: %d %q, want 200 %q", label, res.StatusCode, served, body)
		}
	}
}

// TestJobPageVersionFacts: a version's facts give its page count, and
// never print the page links as a Go value, which would show their file
// tokens as text.
func TestJobPageVersionFacts(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j, _ := e.proofedJob()
	res, page := e.signIn("op@acme.test").get("/manage/jobs/" + j.ID)
	wantStatus(t, "job page", res, page, http.StatusOK)
	if !strings.Contains(page, " · 1 page</span>") {
		t.Errorf("job page does not give the version's page count:\n%s", versionsSection(page))
	}
	// Each file link appears once, as the href of a link: anywhere else
	// it is a token shown as text.
	for _, m := range linkRE.FindAllStringSubmatch(page, -1) {
		if n := strings.Count(page, m[1]); n != 1 {
			t.Errorf("link %q of %q appears %d times on the job page, want once, as a link", m[1], m[2], n)
		}
	}
	if strings.Contains(page, "[{") {
		t.Errorf("job page prints a Go value:\n%s", versionsSection(page))
	}
}

// versionsSection is the part of the job page that lists the versions,
// for failure messages shorter than the whole page.
func versionsSection(page string) string {
	_, s, _ := strings.Cut(page, "<h2>Artwork versions</h2>")
	s, _, _ = strings.Cut(s, "</section>")
	return s
}
