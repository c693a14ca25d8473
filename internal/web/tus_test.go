package web

import (
	"bytes"
	"encoding/base64"
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
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
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
	vs, _ := e.st.ArtworkVersions(t.Context(), j.TenantID, j.ID)
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
