package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSeveralServersTusResume sends a resumable upload as the customer
// page does (tus: POST with Upload-Length and Upload-Metadata, then PATCH
// chunks, and HEAD for the offset after a drop) to three servers on one
// PostgreSQL database and one S3 bucket (gofakes3 on loopback), as a load
// balancer might spread them: created with its first chunk on the first
// server, resumed on the second, and the job reaches its proof as the third
// sees it. With the uploads on each process's disk, the second answered
// 404 and the customer started again.
func TestSeveralServersTusResume(t *testing.T) {
	// Not parallel: the S3 credentials are process environment.
	a, b, c, key := startThree(t, "tus")
	do := func(req *http.Request) (*http.Response, []byte) {
		t.Helper()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	api := func(s *served, method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, s.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, out := do(req)
		return res.StatusCode, out
	}

	status, body := api(a, "POST", "/api/jobs", `{"externalId":"TUS-SEVERAL-1"}`)
	if status != http.StatusCreated {
		t.Fatalf("create the job: %d %s", status, body)
	}
	var j struct{ ID, UploadURL string }
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatal(err)
	}
	page := j.UploadURL[strings.Index(j.UploadURL, "/u/"):]

	// The customer opens the page on the first server: its CSRF cookie
	// and token go with every tus request, to whichever server.
	res, html := do(mustRequest(t, "GET", a.base+page, nil))
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "submit_csrf" {
			cookie = ck
		}
	}
	m := regexp.MustCompile(`data-tus="([^"]+)"[^>]*data-csrf="([^"]+)"`).FindSubmatch(html)
	if res.StatusCode != http.StatusOK || cookie == nil || m == nil {
		t.Fatalf("the page: %d, cookie %v, no tus form in:\n%s", res.StatusCode, cookie, html)
	}
	tusPath, csrf := string(m[1]), string(m[2])
	tus := func(s *served, method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req := mustRequest(t, method, s.base+path, body)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("X-CSRF-Token", csrf)
		req.AddCookie(cookie)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return do(req)
	}

	var pdf bytes.Buffer
	if err := writeSamplePDF(&pdf, 210, 297, 1); err != nil {
		t.Fatal(err)
	}
	file := pdf.Bytes()
	b64 := base64.StdEncoding.EncodeToString
	res, out := tus(a, "POST", tusPath, nil, map[string]string{
		"Upload-Length":   strconv.Itoa(len(file)),
		"Upload-Metadata": "filename " + b64([]byte("flyer.pdf")) + ",filetype " + b64([]byte("application/pdf")),
	})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, tusPath) {
		t.Fatalf("create the upload on the first server: %d, Location %q, %s", res.StatusCode, loc, out)
	}
	patch := func(s *served, offset int, chunk []byte) *http.Response {
		t.Helper()
		res, out := tus(s, "PATCH", loc, chunk, map[string]string{
			"Upload-Offset": strconv.Itoa(offset), "Content-Type": "application/offset+octet-stream",
		})
		if res.StatusCode != http.StatusNoContent {
			t.Fatalf("PATCH at %d on %s: %d %s", offset, s.base, res.StatusCode, out)
		}
		return res
	}
	half := len(file) / 2
	patch(a, 0, file[:half])

	// The connection drops; the page asks another server where to go on.
	res, out = tus(b, "HEAD", loc, nil, nil)
	if res.StatusCode != http.StatusOK || res.Header.Get("Upload-Offset") != strconv.Itoa(half) {
		t.Fatalf("HEAD on the second server: %d, Upload-Offset %q, want %d (%s)",
			res.StatusCode, res.Header.Get("Upload-Offset"), half, out)
	}
	if res := patch(b, half, file[half:]); res.Header.Get("X-Submit-Next") != page {
		t.Errorf("the last chunk's X-Submit-Next: %q, want %q", res.Header.Get("X-Submit-Next"), page)
	}
	// The finished upload was handed over and removed from the bucket.
	if res, _ := tus(c, "HEAD", loc, nil, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("HEAD of the finished upload on the third server: %d, want 404", res.StatusCode)
	}

	// The third server sees the job reach its proof, awaiting approval.
	deadline := time.Now().Add(serveBound)
	var got struct{ Status string }
	for {
		status, body := api(c, "GET", "/api/jobs/"+j.ID, "")
		if status != http.StatusOK || json.Unmarshal(body, &got) != nil {
			t.Fatalf("the job on the third server: %d %s", status, body)
		}
		if got.Status == "proof_generated" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job is %s on the third server after %v, not proof_generated", got.Status, serveBound)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mustRequest is http.NewRequest for a method and URL known to be valid.
func mustRequest(t *testing.T, method, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}
