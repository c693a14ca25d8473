package manage

import (
	"bytes"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// waitLogo waits until the logo service has checked a tenant's URL.
func (e *env) waitLogo(tenantID, u string) store.Logo {
	e.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		l, err := e.st.Logo(e.t.Context(), tenantID, u)
		if err == nil && l.State != store.LogoPending {
			return l
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("logo %s not checked: %v %+v", u, err, l)
		}
	}
}

// TestSettingsLogoCheck: the default logo saved in settings is checked;
// a failure is shown under its field in words, and saving again after
// the host is fixed checks it again.
func TestSettingsLogoCheck(t *testing.T) {
	t.Parallel()
	e := setup(t)
	var fixed atomic.Bool
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 30, 10))); err != nil {
		t.Fatal(err)
	}
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fixed.Load() {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		w.Write(b.Bytes())
	}))
	t.Cleanup(host.Close)
	logoURL := host.URL + "/logo.png"

	br := e.signIn("admin@acme.test")
	save := func() {
		t.Helper()
		res, body := br.post("/manage/settings", url.Values{"brand_logo": {logoURL}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save settings: %d %s", res.StatusCode, clipBody(body))
		}
	}
	save()
	if l := e.waitLogo(e.acme.ID, logoURL); l.State != store.LogoFailed {
		t.Fatalf("logo %s, want failed", l.State)
	}
	_, body := br.get("/manage/settings")
	state := html.UnescapeString(between(body, `id="logo-state"`, "</p>"))
	for _, want := range []string{"not used", "401 Unauthorized", "LOGO_FETCH_FAILED"} {
		if !strings.Contains(state, want) {
			t.Errorf("settings do not say %q about the failed logo: %s", want, state)
		}
	}

	fixed.Store(true)
	save()
	if l := e.waitLogo(e.acme.ID, logoURL); l.State != store.LogoOK {
		t.Fatalf("after saving again: %s %s, want ok", l.State, l.ErrorMessage)
	}
	_, body = br.get("/manage/settings")
	if state := between(body, `id="logo-state"`, "</p>"); !strings.Contains(state, "checked") || strings.Contains(state, "401") {
		t.Errorf("settings after the fix: %s", state)
	}
}

// TestJobPageLogoWarning: a job whose logo failed says so on its page.
func TestJobPageLogoWarning(t *testing.T) {
	t.Parallel()
	e := setup(t)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!DOCTYPE html><html><body>Our logo</body></html>"))
	}))
	t.Cleanup(host.Close)
	logoURL := host.URL + "/about"
	j := e.flow.NewJob(workflow.NewJobParams{TenantID: e.acme.ID, Livemode: true, ExternalID: "ORDER-7",
		Brand: &job.Brand{Logo: logoURL}})
	if err := e.flow.CreateJob(t.Context(), j, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.logos.Request(t.Context(), e.acme.ID, logoURL); err != nil {
		t.Fatal(err)
	}
	e.waitLogo(e.acme.ID, logoURL)
	_, body := e.signIn("op@acme.test").get("/manage/jobs/" + j.ID)
	row := html.UnescapeString(between(body, `id="job-logo"`, "</dd>"))
	for _, want := range []string{logoURL, "not used", "HTML page", "LOGO_NOT_AN_IMAGE"} {
		if !strings.Contains(row, want) {
			t.Errorf("the job page's logo row lacks %q: %s", want, row)
		}
	}
}

// between is the part of s from the first from to the next to, "" when
// from is missing.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
