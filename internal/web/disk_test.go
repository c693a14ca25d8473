package web

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/disk/disktest"
	"github.com/atomyx/submit/internal/workflow"
)

// TestUploadsRefusedUnderTheDiskFloor: with less free space than the
// floor (here a floor larger than any disk), every upload path refuses
// with 507 and words, before storing anything.
func TestUploadsRefusedUnderTheDiskFloor(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{minFreeDisk: 1 << 62})
	j := e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)
	csrf := csrfOf(t, e, c, j)

	resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, tusCreate("flyer.pdf", len(tinyPDF)))
	if body := bodyOf(resp); resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(body, "no room to store your file") {
		t.Errorf("tus create: %d %q, want 507 in words", resp.StatusCode, body)
	}
	for _, accept := range []string{"application/json", "text/html"} {
		body, ct := multipartBody(t, "flyer.pdf", tinyPDF)
		req, _ := http.NewRequest("POST", e.url(j, "/upload?csrf="+url.QueryEscape(csrf)), body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Accept", accept)
		resp := send(t, c, req)
		if b := bodyOf(resp); resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(b, "no room to store your file") {
			t.Errorf("plain upload (%s): %d %q, want 507 in words", accept, resp.StatusCode, b)
		}
	}
	if vs, _ := e.st.ListArtworkVersions(t.Context(), j.TenantID, j.ID); len(vs) != 0 {
		t.Errorf("versions stored: %+v", vs)
	}
	if left := tusFiles(t, e); len(left) != 0 {
		t.Errorf("upload directory: %v", left)
	}
}

// pdfOf is a PDF-looking body of n bytes.
func pdfOf(n int) []byte {
	return append(append([]byte{}, tinyPDF...), bytes.Repeat([]byte{' '}, n-len(tinyPDF))...)
}

// TestTusWriteFailureDeletesTheUpload: on a real 40 MiB file system that
// fills up during a PATCH, the partial data is deleted and the answer is
// 507 in words; the database, on the same disk, can still commit.
func TestTusWriteFailureDeletesTheUpload(t *testing.T) {
	t.Parallel()
	dir := disktest.Tmpfs(t, "40m")
	e := setup(t, setupOpts{dataDir: dir}) // no floor: the disk itself refuses
	j := e.newJob(t, workflow.NewJobParams{})
	u := startTus(t, e, j, 20<<20)
	filler := disktest.Fill(t, dir, 5<<20)
	free, err := disk.Free(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A little more than fits, so that the server reads what is left of
	// the body after the failure instead of cutting the connection.
	resp := tusRequest(t, u.c, "PATCH", e.srv.URL+u.loc, u.csrf, pdfOf(int(free)+64<<10), tusPatch(0))
	if body := bodyOf(resp); resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(body, "no room to store your file") {
		t.Errorf("PATCH onto a full disk: %d %q, want 507 in words", resp.StatusCode, body)
	}
	if left := tusFiles(t, e); len(left) != 0 {
		t.Errorf("left in the upload directory: %v", left)
	}
	// The database shares the disk, and its WAL may grow by a few pages
	// meanwhile (each request's rate-limit count is a write); the partial
	// upload was megabytes.
	if after, _ := disk.Free(dir); after < free-64<<10 {
		t.Errorf("free space %d after the failed PATCH, %d before", after, free)
	}
	e.newJob(t, workflow.NewJobParams{}) // fails with "database or disk is full" if the data stayed
	if resp := tusRequest(t, u.c, "HEAD", e.srv.URL+u.loc, u.csrf, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of the deleted upload: %d, want 404 (the page then starts again)", resp.StatusCode)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
}

// TestTusKeepsTheDiskFloor: on a real 40 MiB file system with a 16 MiB
// floor, an upload is accepted only when it, and its stored copy, leave
// the floor free, and a chunk is written only while the rest still does;
// a refused chunk keeps the upload, to be resumed once there is room.
func TestTusKeepsTheDiskFloor(t *testing.T) {
	t.Parallel()
	dir := disktest.Tmpfs(t, "40m")
	e := setup(t, setupOpts{dataDir: dir, minFreeDisk: 16 << 20})
	j := e.newJob(t, workflow.NewJobParams{})
	c := e.browser(t)
	csrf := csrfOf(t, e, c, j)
	resp := tusRequest(t, c, "POST", e.url(j, "/tus/"), csrf, nil, tusCreate("flyer.pdf", 15<<20))
	if body := bodyOf(resp); resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(body, "no room to store your file") {
		t.Errorf("create 15 MiB (30 MiB with its copy) on 40 MiB with a 16 MiB floor: %d %q, want 507", resp.StatusCode, body)
	}
	const size = 4 << 20
	u := startTus(t, e, j, size)
	filler := disktest.Fill(t, dir, 20<<20)
	chunk := pdfOf(100 << 10)
	resp = tusRequest(t, u.c, "PATCH", e.srv.URL+u.loc, u.csrf, chunk, tusPatch(0))
	if body := bodyOf(resp); resp.StatusCode != http.StatusInsufficientStorage || !strings.Contains(body, "no room to store your file") {
		t.Errorf("PATCH with 20 MiB free, 8 MiB needed, a 16 MiB floor: %d %q, want 507", resp.StatusCode, body)
	}
	if resp := tusRequest(t, u.c, "HEAD", e.srv.URL+u.loc, u.csrf, nil, nil); resp.StatusCode != http.StatusOK || resp.Header.Get("Upload-Offset") != "0" {
		t.Errorf("the refused upload: %d, offset %q; want it kept at 0", resp.StatusCode, resp.Header.Get("Upload-Offset"))
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if resp := tusRequest(t, u.c, "PATCH", e.srv.URL+u.loc, u.csrf, chunk, tusPatch(0)); resp.StatusCode != http.StatusNoContent {
		t.Errorf("PATCH once there is room: %d %q", resp.StatusCode, bodyOf(resp))
	}
}
