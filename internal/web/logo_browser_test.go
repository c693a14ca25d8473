package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserLogo: in Chromium, against `submit serve`, the customer's
// page shows the ERP's logo from Submit's own origin: the logo's host is
// asked once, by Submit, and never by the browser; no resource of the
// page comes from another origin. A job whose logo answers 404 has a
// brand.logo warning in the API.
func TestBrowserLogo(t *testing.T) {
	s := startServer(t)
	rc := newReceiver(t, func() string { return s.secret })
	ctx := newBrowser(t)

	var mu sync.Mutex
	var agents []string
	img := image.NewNRGBA(image.Rect(0, 0, 180, 48))
	for x := range 180 {
		for y := range 48 {
			img.Set(x, y, color.NRGBA{0x0f, 0x76, 0x6e, 0xff})
		}
	}
	var logo bytes.Buffer
	if err := png.Encode(&logo, img); err != nil {
		t.Fatal(err)
	}
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.UserAgent())
		mu.Unlock()
		if r.URL.Path != "/assets/logo.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(logo.Bytes())
	}))
	t.Cleanup(host.Close)

	_, link := newOrder(t, s, rc, "PO-2026-0420", host.URL+"/assets/logo.png")
	// The check runs in the background: the page shows the text header
	// until it is done, then the logo.
	for i := 0; ; i++ {
		do(t, ctx, "open the link", chromedp.Navigate(link), view("upload"))
		if read(t, ctx, "look for the logo", chromedp.Evaluate[bool](`!!document.querySelector("img.logo")`)) {
			break
		}
		if i == 200 {
			t.Fatal("the logo never appeared on the page")
		}
		time.Sleep(100 * time.Millisecond)
	}
	do(t, ctx, "wait for the logo to load",
		chromedp.Poll[chromedp.Void](`document.querySelector("img.logo").complete && document.querySelector("img.logo").naturalWidth > 0`))
	src := read(t, ctx, "read the logo's address", chromedp.Evaluate[string](`document.querySelector("img.logo").src`))
	if !strings.HasPrefix(src, s.base+"/logos/") {
		t.Errorf("the logo loads from %s, want %s/logos/…", src, s.base)
	}
	if w := read(t, ctx, "read the logo's width", chromedp.Evaluate[int](`document.querySelector("img.logo").naturalWidth`)); w != 180 {
		t.Errorf("the logo is %d pixels wide, want 180", w)
	}
	foreign := read(t, ctx, "list resources from other origins", chromedp.Evaluate[[]string](
		`performance.getEntriesByType("resource").map(e => e.name).filter(n => new URL(n).origin !== location.origin)`))
	if len(foreign) > 0 {
		t.Errorf("the page loaded from other origins: %v", foreign)
	}
	mu.Lock()
	got := append([]string(nil), agents...)
	mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "AtomyxSubmit/") {
		t.Errorf("the logo's host was asked by %q, want once by Submit", got)
	}

	// A logo that answers 404 is a warning on the job.
	id, _ := newOrder(t, s, rc, "PO-2026-0421", host.URL+"/assets/old-logo.png")
	for i := 0; ; i++ {
		j := s.api(t, "GET", "/api/jobs/"+id, nil)
		if ws, _ := j["warnings"].([]any); len(ws) > 0 {
			w := ws[0].(map[string]any)
			if w["code"] != "LOGO_FETCH_FAILED" || w["field"] != "brand.logo" || !strings.Contains(fmt.Sprint(w["message"]), "404 Not Found") {
				t.Errorf("warning %v", w)
			}
			break
		}
		if i == 200 {
			t.Fatal("the job never got a warning for its logo")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
