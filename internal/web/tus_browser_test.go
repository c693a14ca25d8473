package web_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
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

// TestBrowserFilePickedEarly: a customer on a slow line chooses a file
// while the page still works without its script, which waits for its
// words. When the script starts it hides the plain form's button, so it
// sends the chosen file itself, as choosing a file does once it runs.
func TestBrowserFilePickedEarly(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)
	good, _ := artwork(t)
	jobID, link := newOrder(t, s, rc, "PO-2026-0421", "")

	// The browser holds the words, and with them the script.
	wctx, cancel := context.WithTimeout(ctx, browserTimeout)
	defer cancel()
	held := chromedp.Events(wctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*/words-*.json*"}},
	}); err != nil {
		t.Fatalf("hold the words: %v", err)
	}
	do(t, ctx, "open the link", chromedp.Navigate(link), browsertest.Shown(`body[data-view="upload"] main`))
	if read(t, ctx, "look for the script", chromedp.Evaluate[bool](`document.documentElement.classList.contains("js")`)) {
		t.Fatal("the page's script started with its words held")
	}
	do(t, ctx, "choose a file before the script starts", chromedp.SetUploadFiles(chromedp.ID("file"), []string{good}))
	for ev, err := range held {
		if err != nil {
			t.Fatalf("wait for the held words: %v", err)
		}
		if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID}); err != nil {
			t.Fatalf("let the words through: %v", err)
		}
		if _, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{}); err != nil {
			t.Fatalf("stop holding the words: %v", err)
		}
		break
	}
	do(t, ctx, "wait for the proof", view("proof"))
	checkCallbacks(t, rc.events(t, jobID, "proof_generated"), "uploaded", "preflighting", "preflight_passed", "proof_generated")
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
