package web_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/atomyx/submit/internal/browsertest"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserKeyboardApprove: a customer who uses only the keyboard
// reaches the file picker with Tab, uploads, zooms the proof and moves to
// its second page with the keys, hearing each change from the viewer's
// live region, then ticks the confirmation with Space and approves with
// Enter. Nothing is clicked; only the file itself is handed to the picker
// by the driver, as no test can work the system's file dialog.
func TestBrowserKeyboardApprove(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)
	good, _ := artwork(t)
	jobID, link := newOrder(t, s, rc, "PO-2026-0420", "")

	do(t, ctx, "open the upload link", chromedp.Navigate(link), view("upload"))
	tabTo(t, ctx, "#file")
	do(t, ctx, "upload the PDF and wait for the proof",
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{good}), view("proof"),
		browsertest.Started(`#page-2 img`))

	tabTo(t, ctx, `[data-zoom="in"]`)
	do(t, ctx, "zoom in with Enter", chromedp.KeyEvent(kb.Enter))
	if z := read(t, ctx, "read the zoom", chromedp.Text(chromedp.CSS(".zoom-level"))); z != "125%" {
		t.Errorf("zoom after Enter: %q", z)
	}
	waitText(t, ctx, ".viewer-status", "Zoom 125%")
	tabTo(t, ctx, `[data-zoom="fit"]`)
	do(t, ctx, "fit with Space", chromedp.KeyEvent(" "))
	waitText(t, ctx, ".viewer-status", "Zoom 100%")
	tabTo(t, ctx, `[data-goto="2"]`)
	do(t, ctx, "go to page 2 with Enter", chromedp.KeyEvent(kb.Enter))
	waitText(t, ctx, ".viewer-status", "Page 2 of 2")

	tabTo(t, ctx, `.approve-form input[name=confirm]`)
	do(t, ctx, "tick the confirmation with Space", chromedp.KeyEvent(" "))
	if !read(t, ctx, "read the confirmation", chromedp.Evaluate[bool](`document.querySelector(".approve-form input[name=confirm]").checked`)) {
		t.Fatal("Space did not tick the confirmation")
	}
	tabTo(t, ctx, `.approve-form button[type=submit]`)
	do(t, ctx, "approve with Enter", chromedp.KeyEvent(kb.Enter), view("approved"))

	if st := s.api(t, "GET", "/api/jobs/"+jobID, nil)["status"]; st != "approved" {
		t.Errorf("job status %v after approval", st)
	}
	checkCallbacks(t, rc.events(t, jobID, "approved"),
		"uploaded", "preflighting", "preflight_passed", "proof_generated", "approved")
}

// tabTo presses Tab until the element that matches sel has the focus, as
// a keyboard user would, and fails when 60 presses do not get there: the
// element cannot be reached by keyboard, or is far behind others.
func tabTo(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	focused := `document.activeElement && document.activeElement.matches(` + strconv.Quote(sel) + `)`
	for range 60 {
		if read(t, ctx, "look at the focus", chromedp.Evaluate[bool](focused)) {
			return
		}
		do(t, ctx, "press Tab", chromedp.KeyEvent(kb.Tab))
	}
	active := read(t, ctx, "read the focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ""`))
	t.Fatalf("Tab does not reach %s; the focus is on %s", sel, active)
}

// waitText waits until the element that matches sel says want, as the
// live region does once the viewer has changed.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	do(t, ctx, "wait for "+sel+" to say "+want, chromedp.Poll[chromedp.Void](
		`(document.querySelector(`+strconv.Quote(sel)+`) || {}).textContent === `+strconv.Quote(want)))
}
