package web_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/chromedp/chromedp"
)

// TestBrowserUploadRefused: when the job already has as many unfinished
// uploads as it may (started elsewhere and abandoned), the customer who
// chooses a file reads tusd's refusal in words on the page, not a code.
func TestBrowserUploadRefused(t *testing.T) {
	s := startServer(t)
	ctx := newBrowser(t)
	good, _ := artwork(t)
	link := s.api(t, "POST", "/api/jobs", map[string]any{"externalId": "PO-2026-0420"})["uploadURL"].(string)
	abandonUploads(t, link, 3)

	do(t, ctx, "open the upload link", chromedp.Navigate(link), view("upload"))
	do(t, ctx, "choose a file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{good}),
		browsertest.Started(".upload-error"))
	msg := read(t, ctx, "read the error", chromedp.Text(chromedp.CSS(".upload-error")))
	if !strings.HasPrefix(msg, "This order already has 3 uploads that were started and not finished.") || strings.Contains(msg, "ERR_") {
		t.Errorf("the page says %q, want the refusal in words", msg)
	}
}

var csrfAttr = regexp.MustCompile(`data-csrf="([^"]+)"`)

// abandonUploads starts n resumable uploads of the link from another
// browser, as a customer who gave up on them would leave them.
func abandonUploads(t *testing.T, link string, n int) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfAttr.FindStringSubmatch(string(page))
	if m == nil {
		t.Fatalf("no CSRF token on %s", link)
	}
	for range n {
		req, _ := http.NewRequest("POST", link+"/tus/", nil)
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("X-CSRF-Token", m[1])
		req.Header.Set("Upload-Length", "1000")
		req.Header.Set("Upload-Metadata", "filename "+base64.StdEncoding.EncodeToString([]byte("old.pdf")))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("start an upload: %d", resp.StatusCode)
		}
	}
}
