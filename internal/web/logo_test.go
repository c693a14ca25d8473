package web

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// logoHost serves a real PNG at /brand/logo.png and answers 404 at
// /brand/missing.png, on loopback (allowed by the test's
// --allow-insecure-urls setting). Its URLs carry a token in the query, as
// signed asset links do: it must never reach the customer's page.
func logoHost(t *testing.T) (srv *httptest.Server, logo []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 120, 40))); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/brand/logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(b.Bytes())
	})
	mux.HandleFunc("/brand/missing.png", http.NotFound)
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, b.Bytes()
}

// checkedLogo records a tenant's logo URL and waits for its check.
func (e *env) checkedLogo(t *testing.T, url string) store.Logo {
	t.Helper()
	if _, err := e.logos.Request(t.Context(), e.tenant, url); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		l, err := e.st.Logo(t.Context(), e.tenant, url)
		if err != nil {
			t.Fatal(err)
		}
		if l.State != store.LogoPending {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("logo %s still pending", url)
		}
	}
}

var logoImg = regexp.MustCompile(`<img class="logo" src="([^"]*)"`)

// TestLogoServedFromSubmit: the page's logo is Submit's copy, on Submit's
// route; the original URL appears nowhere in the page; the copy is served
// as the image it is, with nosniff and a policy that runs nothing.
func TestLogoServedFromSubmit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	host, want := logoHost(t)
	url := host.URL + "/brand/logo.png?token=s3cr3t-asset-signature"
	if l := e.checkedLogo(t, url); l.State != store.LogoOK {
		t.Fatalf("logo %s: %s", l.State, l.ErrorMessage)
	}
	j := e.newJob(t, workflow.NewJobParams{Brand: &job.Brand{Color: "#0F766E", Logo: url}})
	_, body := get(t, e.browser(t), e.url(j, ""))
	for _, leak := range []string{host.URL, "s3cr3t-asset-signature", "/brand/logo.png"} {
		if strings.Contains(body, leak) {
			t.Errorf("the page references the original logo URL (%s)", leak)
		}
	}
	m := logoImg.FindStringSubmatch(body)
	if m == nil || !regexp.MustCompile(`^/logos/[0-9a-f]{64}\.png$`).MatchString(m[1]) {
		t.Fatalf("logo img %v, want src /logos/<sha256>.png:\n%s", m, body)
	}
	resp, err := http.Get(e.srv.URL + m[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Security-Policy"), "default-src 'none'") || !bytes.Equal(got, want) {
		t.Fatalf("GET %s: %d %v", m[1], resp.StatusCode, h)
	}
}

// TestLogoFallback: a logo that failed, is still being checked, or was
// never recorded gives the text header, not an image, and never the URL.
// The account's default logo is used when the job names none.
func TestLogoFallback(t *testing.T) {
	t.Parallel()
	e := setup(t)
	host, _ := logoHost(t)
	missing := host.URL + "/brand/missing.png"
	if l := e.checkedLogo(t, missing); l.State != store.LogoFailed {
		t.Fatalf("missing logo: %s, want failed", l.State)
	}
	// A host that answers only when the test ends: its logo stays pending.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) }) // runs first: lets slow.Close return
	pending := slow.URL + "/logo.png"
	if _, err := e.logos.Request(t.Context(), e.tenant, pending); err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{"failed": missing, "pending": pending, "never checked": "http://127.0.0.1:1/never.png"} {
		j := e.newJob(t, workflow.NewJobParams{Brand: &job.Brand{Logo: url}})
		_, body := get(t, e.browser(t), e.url(j, ""))
		if l, err := e.st.Logo(t.Context(), e.tenant, url); err != nil || name == "pending" && l.State != store.LogoPending {
			t.Fatalf("%s: logo %+v %v", name, l, err)
		}
		if strings.Contains(body, `class="logo"`) || strings.Contains(body, url) {
			t.Errorf("%s: the page shows an image or the URL:\n%s", name, body)
		}
		if !strings.Contains(body, `<p class="site-title">Artwork approval</p>`) || !strings.Contains(body, "ORDER-1001") {
			t.Errorf("%s: the page lacks its text header:\n%s", name, body)
		}
	}

	// The account's default, checked, on a job without a logo.
	ok := host.URL + "/brand/logo.png"
	e.checkedLogo(t, ok)
	if err := e.st.UpdateTenantSettings(t.Context(), e.tenant, store.TenantSettings{Brand: &job.Brand{Logo: ok}}); err != nil {
		t.Fatal(err)
	}
	j := e.newJob(t, workflow.NewJobParams{})
	_, body := get(t, e.browser(t), e.url(j, ""))
	if m := logoImg.FindStringSubmatch(body); m == nil || !strings.HasPrefix(m[1], "/logos/") || strings.Contains(body, ok) {
		t.Fatalf("the account's logo is not Submit's copy:\n%s", body)
	}
}
