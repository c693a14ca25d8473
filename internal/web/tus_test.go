package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/workflow"
)

// tusRequest sends one tus request with the page's CSRF token.
func tusRequest(t *testing.T, c *http.Client, method, u, csrf string, body []byte, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	req.Header.Set("Tus-Resumable", "1.0.0")
	if csrf != "" {
		req.Header.Set(csrfHeader, csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return send(t, c, req)
}

// send sends a request and reads the answer, whose body bodyOf returns.
func send(t *testing.T, c *http.Client, req *http.Request) *http.Response {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

// bodyOf is the text of a response of tusRequest.
func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestTusUploadInTwoChunks(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)
	csrf := csrfOf(t, e, c, j)
	meta := "filename " + base64.StdEncoding.EncodeToString([]byte("flyer.pdf"))
	create := map[string]string{"Upload-Length": strconv.Itoa(len(tinyPDF)), "Upload-Metadata": meta}

	if resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), "", nil, create); resp.StatusCode != http.StatusForbidden {
		t.Errorf("create without CSRF token: %d, want 403", resp.StatusCode)
	}
	notPDF := map[string]string{"Upload-Length": "10", "Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("photo.jpg"))}
	if resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, notPDF); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("create for a .jpg: %d, want 415", resp.StatusCode)
	}
	resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, create)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, "/u/"+j.UploadToken+"/tus/"+j.ID+"-") {
		t.Fatalf("create: %d, Location %q", resp.StatusCode, loc)
	}
	other := e.newJob(t, workflow.NewJobParams{})
	stolen := "/u/" + other.UploadToken + "/tus/" + loc[strings.LastIndex(loc, "/")+1:]
	if resp := tusRequest(t, c, "HEAD", e.srv.URL+stolen, csrf, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another link's upload: %d, want 404", resp.StatusCode)
	}
	patch := func(offset int, chunk []byte) *http.Response {
		return tusRequest(t, c, "PATCH", e.srv.URL+loc, csrf, chunk, map[string]string{
			"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream",
		})
	}
	half := len(tinyPDF) / 2
	if resp := patch(0, tinyPDF[:half]); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("first chunk: %d", resp.StatusCode)
	}
	if resp := tusRequest(t, c, "HEAD", e.srv.URL+loc, csrf, nil, nil); resp.Header.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Errorf("resume offset %q, want %d", resp.Header.Get("Upload-Offset"), half)
	}
	if resp := patch(half, tinyPDF[half:]); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("last chunk: %d", resp.StatusCode)
	}
	j2, _ := e.st.Job(t.Context(), j.TenantID, j.ID)
	vs, _ := e.st.ListArtworkVersions(t.Context(), j.TenantID, j.ID)
	if j2.Status != job.Uploaded || len(vs) != 1 || vs[0].Filename != "flyer.pdf" || vs[0].Size != int64(len(tinyPDF)) {
		t.Errorf("after the upload: job %s, versions %+v", j2.Status, vs)
	}
	if left, _ := os.ReadDir(e.web.tus.dir); len(left) != 0 {
		t.Errorf("the finished upload was left in %s: %v", e.web.tus.dir, left)
	}
}

func TestTusRefusesContentThatIsNotPDF(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)
	csrf := csrfOf(t, e, c, j)
	data := []byte("this is not a PDF at all")
	resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, map[string]string{
		"Upload-Length": strconv.Itoa(len(data)), "Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte("fake.pdf")),
	})
	resp = tusRequest(t, c, "PATCH", e.srv.URL+resp.Header.Get("Location"), csrf, data, map[string]string{
		"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
	})
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("fake PDF: %d, want 415", resp.StatusCode)
	}
	if j2, _ := e.st.Job(t.Context(), j.TenantID, j.ID); j2.Status != job.AwaitingUpload {
		t.Errorf("job is %s", j2.Status)
	}
}

// TestUploadSweeper: an upload abandoned half-way stays while it can be
// resumed, and is deleted, data and info, once untouched for MaxAge; an
// upload still being written is kept.
func TestUploadSweeper(t *testing.T) {
	t.Parallel()
	e := setup(t)
	start := func() string {
		j := e.newJob(t, workflow.NewJobParams{})
		c := e.browser(t)
		csrf := csrfOf(t, e, c, j)
		meta := "filename " + base64.StdEncoding.EncodeToString([]byte("flyer.pdf"))
		resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, map[string]string{
			"Upload-Length": strconv.Itoa(len(tinyPDF)), "Upload-Metadata": meta})
		loc := resp.Header.Get("Location")
		if resp := tusRequest(t, c, "PATCH", e.srv.URL+loc, csrf, tinyPDF[:10], map[string]string{
			"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("first chunk: %d", resp.StatusCode)
		}
		return loc[strings.LastIndex(loc, "/")+1:]
	}
	old, fresh := start(), start()
	dir := e.web.tus.dir
	day := time.Now().Add(-25 * time.Hour)
	for _, name := range []string{old, old + ".info"} {
		if err := os.Chtimes(filepath.Join(dir, name), day, day); err != nil {
			t.Fatal(err)
		}
	}
	s := &UploadSweeper{DataDir: filepath.Dir(dir), MaxAge: 24 * time.Hour}
	n, err := s.Sweep(t.Context(), time.Now())
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want the one abandoned upload", n, err)
	}
	left, _ := os.ReadDir(dir)
	var names []string
	for _, f := range left {
		names = append(names, f.Name())
	}
	if len(names) != 2 || !slices.Contains(names, fresh) || !slices.Contains(names, fresh+".info") {
		t.Errorf("left in the upload directory: %v, want only %s and its info", names, fresh)
	}
	// A day later the fresh one is abandoned too; a missing directory is
	// no error.
	if n, err := s.Sweep(t.Context(), time.Now().Add(25*time.Hour)); err != nil || n != 1 {
		t.Errorf("second Sweep = %d, %v; want 1", n, err)
	}
	if n, err := (&UploadSweeper{DataDir: t.TempDir()}).Sweep(t.Context(), time.Now()); err != nil || n != 0 {
		t.Errorf("Sweep of a server without uploads = %d, %v", n, err)
	}
}

// tusUpload is one resumable upload started from a job's page.
type tusUpload struct {
	c    *http.Client
	csrf string
	loc  string // /u/{token}/tus/{id}
}

func (u tusUpload) id() string { return u.loc[strings.LastIndex(u.loc, "/")+1:] }

// startTus opens the job's page in a fresh browser and creates a tus
// upload of length bytes, failing the test unless it is created.
func startTus(t *testing.T, e *env, j job.Job, length int) tusUpload {
	t.Helper()
	c := e.browser(t)
	csrf := csrfOf(t, e, c, j)
	resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, tusCreate("flyer.pdf", length))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create an upload of %d bytes: %d", length, resp.StatusCode)
	}
	return tusUpload{c: c, csrf: csrf, loc: resp.Header.Get("Location")}
}

func tusCreate(name string, length int) map[string]string {
	return map[string]string{
		"Upload-Length":   strconv.Itoa(length),
		"Upload-Metadata": "filename " + base64.StdEncoding.EncodeToString([]byte(name)),
	}
}

func tusPatch(offset int) map[string]string {
	return map[string]string{"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream"}
}

// TestTusIDCannotLeaveItsJob sends the escaped paths of the attack
// (%2F..%2F inside the upload id) through the real router: an id of any
// other shape than the one minted never reaches tusd's file store, so a
// link can neither read, complete nor delete another job's upload, nor
// delete a file outside the upload directory.
func TestTusIDCannotLeaveItsJob(t *testing.T) {
	t.Parallel()
	e := setup(t)
	mine, theirs := e.newJob(t, workflow.NewJobParams{}), e.newJob(t, workflow.NewJobParams{})
	victim := startTus(t, e, theirs, len(tinyPDF))
	if resp := tusRequest(t, victim.c, "PATCH", e.srv.URL+victim.loc, victim.csrf, tinyPDF[:10], tusPatch(0)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("victim's first chunk: %d", resp.StatusCode)
	}
	// Files outside the upload directory that tusd would take for an
	// upload: data and info side by side.
	outside := filepath.Join(filepath.Dir(e.web.tus.dir), "outside")
	info, _ := json.Marshal(map[string]any{"ID": "outside", "Size": 10, "Storage": map[string]string{"Path": outside}})
	for name, data := range map[string][]byte{outside: []byte("0123456789"), outside + ".info": info} {
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	own := startTus(t, e, mine, len(tinyPDF))
	base := e.srv.URL + "/u/" + mine.UploadToken + "/tus/"
	for _, tc := range []struct{ method, id string }{
		{"HEAD", mine.ID + "-%2F..%2F" + victim.id()},
		{"PATCH", mine.ID + "-%2F..%2F" + victim.id()},
		{"DELETE", mine.ID + "-%2F..%2F" + victim.id()},
		{"HEAD", mine.ID + "-%2F..%2F..%2Foutside"},
		{"DELETE", mine.ID + "-%2F..%2F..%2Foutside"},
		{"DELETE", mine.ID + "-..%2F..%2Foutside"},
		{"HEAD", own.id() + "%2F..%2F" + own.id()},
		{"HEAD", own.id() + "x"},
		{"HEAD", own.id()[:len(own.id())-1]},
		{"HEAD", mine.ID + "-" + strings.Repeat(".", 22)},
		{"HEAD", victim.id()},
	} {
		var body []byte
		if tc.method == "PATCH" {
			body = tinyPDF[10:]
		}
		resp := tusRequest(t, own.c, tc.method, base+tc.id, own.csrf, body, tusPatch(10))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", tc.method, tc.id, resp.StatusCode)
		}
	}
	if resp := tusRequest(t, victim.c, "HEAD", e.srv.URL+victim.loc, victim.csrf, nil, nil); resp.StatusCode != http.StatusOK || resp.Header.Get("Upload-Offset") != "10" {
		t.Errorf("the victim's upload after the attack: %d, offset %q; want 200, 10", resp.StatusCode, resp.Header.Get("Upload-Offset"))
	}
	for _, name := range []string{outside, outside + ".info"} {
		if _, err := os.Stat(name); err != nil {
			t.Errorf("a file outside the upload directory: %v", err)
		}
	}
	if vs, _ := e.st.ListArtworkVersions(t.Context(), mine.TenantID, mine.ID); len(vs) != 0 {
		t.Errorf("the attacker's job got versions: %+v", vs)
	}
	// The upload's own id still works.
	if resp := tusRequest(t, own.c, "HEAD", e.srv.URL+own.loc, own.csrf, nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD of the link's own upload: %d", resp.StatusCode)
	}
}

// TestTusRefusedWhenTheJobTakesNoUpload: a job that accepts no new
// version (here approved) refuses a new resumable upload, and more data
// for one started before, in words the page shows.
func TestTusRefusedWhenTheJobTakesNoUpload(t *testing.T) {
	t.Parallel()
	e := setup(t)
	j := e.newJob(t, workflow.NewJobParams{})
	started := startTus(t, e, j, len(tinyPDF))
	v := e.upload(t, j)
	e.proofReady(t, j, v, 1, nil)
	e.move(t, j, v, job.Approved, nil, nil)

	// The page of an approved job has no form: the CSRF token is the one
	// of the page that started the first upload.
	resp := tusRequest(t, started.c, "POST", e.url(j, "/tus/"), started.csrf, nil, tusCreate("flyer.pdf", 20<<20))
	if body := bodyOf(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "not waiting for a file") {
		t.Errorf("create on an approved job: %d %q, want 409 in words", resp.StatusCode, body)
	}
	resp = tusRequest(t, started.c, "PATCH", e.srv.URL+started.loc, started.csrf, tinyPDF[:10], tusPatch(0))
	if body := bodyOf(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "not waiting for a file") {
		t.Errorf("more data on an approved job: %d %q, want 409 in words", resp.StatusCode, body)
	}
	if left := tusFiles(t, e); len(left) != 2 || !slices.Contains(left, started.id()) || !slices.Contains(left, started.id()+".info") {
		t.Errorf("upload directory: %v, want only the upload started before", left)
	}
}

// TestTusUnfinishedUploadCaps: one job may have only so many unfinished
// uploads, of only so many bytes together (by default 3, and twice the
// upload limit); the refusal says what to do, another job is not held
// back, and an upload deleted makes room again.
func TestTusUnfinishedUploadCaps(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{maxUpload: 1000})
	j := e.newJob(t, workflow.NewJobParams{})
	first := startTus(t, e, j, 1000)
	startTus(t, e, j, 900)
	c := e.browser(t)
	csrf := csrfOf(t, e, c, j)
	resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, tusCreate("flyer.pdf", 101))
	if body := bodyOf(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "more than 2 KiB") || !strings.Contains(body, "same file") {
		t.Errorf("unfinished uploads over twice the limit: %d %q, want 409 in words", resp.StatusCode, body)
	}
	startTus(t, e, j, 100)
	resp = tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, tusCreate("flyer.pdf", 1))
	if body := bodyOf(resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "3 uploads") || !strings.Contains(body, "same file") {
		t.Errorf("a fourth unfinished upload: %d %q, want 409 in words", resp.StatusCode, body)
	}
	startTus(t, e, e.newJob(t, workflow.NewJobParams{}), 1000)
	if resp := tusRequest(t, first.c, "DELETE", e.srv.URL+first.loc, first.csrf, nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	startTus(t, e, j, 1000)
}

// tusFiles lists the upload directory.
func tusFiles(t *testing.T, e *env) []string {
	t.Helper()
	entries, err := os.ReadDir(e.web.tus.dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range entries {
		names = append(names, f.Name())
	}
	return names
}
