package logo

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
)

// env is a running logo service on a real store and local file storage.
type env struct {
	svc    *Service
	st     store.Store
	tenant string
}

func setup(t *testing.T, st store.Store, allowInsecure bool) *env {
	t.Helper()
	blobs, err := blob.NewLocal(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	tn := store.Tenant{ID: id.New(id.Tenant), Name: "acme", CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := st.CreateTenant(t.Context(), tn); err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{
		Store: st, Blobs: blobs, Timeout: 2 * time.Second, Poll: 50 * time.Millisecond, Version: "test",
		Client: netguard.NewClient(netguard.Options{AllowInsecure: allowInsecure, Timeout: 2 * time.Second}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Stop)
	return &env{svc: svc, st: st, tenant: tn.ID}
}

// checked requests url and waits until the service has fetched it.
func (e *env) checked(t *testing.T, url string) store.Logo {
	t.Helper()
	if _, err := e.svc.Request(t.Context(), e.tenant, url); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		l, err := e.st.Logo(t.Context(), e.tenant, url)
		if err != nil {
			t.Fatal(err)
		}
		if l.State != store.LogoPending {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still pending after 20 s", url)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logoHost is a real HTTP server with one path per case.
func logoHost(t *testing.T) *httptest.Server {
	t.Helper()
	logo := pngBytes(t, 240, 80)
	mux := http.NewServeMux()
	mux.HandleFunc("/logo.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(logo)
	})
	mux.HandleFunc("/missing.png", http.NotFound)
	mux.HandleFunc("/private.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="assets"`)
		http.Error(w, "sign in", http.StatusUnauthorized)
	})
	mux.HandleFunc("/forbidden.png", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><html><head><title>Acme</title></head><body><img src="/logo.png"></body></html>`)
	})
	mux.HandleFunc("/huge.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(append(append([]byte{}, logo...), make([]byte, MaxBytes)...))
	})
	mux.HandleFunc("/huge-stream.png", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(logo)
		w.(http.Flusher).Flush() // chunked: no Content-Length to refuse early
		for range 20 {
			w.Write(make([]byte, 64<<10))
		}
	})
	mux.HandleFunc("/script.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(document.cookie)</script><rect width="10" height="10"/></svg>`)
	})
	mux.HandleFunc("/clean.svg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, cleanSVG)
	})
	mux.HandleFunc("/moved.png", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/logo.png", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/slow.png", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers only when the client gives up
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestFetchCases runs every case against a real HTTP server, on SQLite
// and PostgreSQL: each failure has its code and a message that says what
// is wrong and what to do.
func TestFetchCases(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, true)
		host := logoHost(t)
		tests := []struct {
			path, code string
			words      []string
		}{
			{"/missing.png", CodeFetchFailed, []string{"404 Not Found", "check the URL"}},
			{"/private.png", CodeFetchFailed, []string{"401 Unauthorized", "public"}},
			{"/forbidden.png", CodeFetchFailed, []string{"403 Forbidden"}},
			{"/page", CodeNotAnImage, []string{"HTML page", "image file itself"}},
			{"/huge.png", CodeTooLarge, []string{"1 MiB"}},
			{"/huge-stream.png", CodeTooLarge, []string{"1 MiB"}},
			{"/script.svg", CodeUnsafeSVG, []string{"script element", "refuses"}},
			{"/moved.png", CodeFetchFailed, []string{"301 Moved Permanently", "redirect"}},
			{"/slow.png", CodeFetchFailed, []string{"did not answer within 2s"}},
		}
		for _, tt := range tests {
			t.Run(strings.TrimPrefix(tt.path, "/"), func(t *testing.T) {
				l := e.checked(t, host.URL+tt.path)
				if l.State != store.LogoFailed || l.ErrorCode != tt.code {
					t.Fatalf("%s: %s %s (%s), want failed %s", tt.path, l.State, l.ErrorCode, l.ErrorMessage, tt.code)
				}
				for _, w := range tt.words {
					if !strings.Contains(l.ErrorMessage, w) {
						t.Errorf("%s: message %q does not say %q", tt.path, l.ErrorMessage, w)
					}
				}
				if strings.Contains(l.ErrorMessage, host.URL) {
					t.Errorf("%s: message names the URL: %q", tt.path, l.ErrorMessage)
				}
			})
		}
	})
}

// TestServeChecked: a valid PNG and a clean SVG are stored and served
// from Submit's route with their type, nosniff, a policy that runs and
// loads nothing, and long caching.
func TestServeChecked(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st store.Store) {
		e := setup(t, st, true)
		host := logoHost(t)
		mux := http.NewServeMux()
		mux.Handle(Route, e.svc)
		submit := httptest.NewServer(mux)
		t.Cleanup(submit.Close)

		for _, tt := range []struct{ path, ct string }{{"/logo.png", "image/png"}, {"/clean.svg", "image/svg+xml"}} {
			l := e.checked(t, host.URL+tt.path)
			if l.State != store.LogoOK || l.ContentType != tt.ct {
				t.Fatalf("%s: %s %s %s, want ok %s", tt.path, l.State, l.ErrorCode, l.ErrorMessage, tt.ct)
			}
			p := Path(l)
			if !fileName.MatchString(strings.TrimPrefix(p, "/logos/")) {
				t.Fatalf("path %q is not /logos/<sha256>.<ext>", p)
			}
			resp, err := http.Get(submit.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			h := resp.Header
			if resp.StatusCode != 200 || h.Get("Content-Type") != tt.ct || h.Get("X-Content-Type-Options") != "nosniff" ||
				h.Get("Content-Security-Policy") != "default-src 'none'; style-src 'unsafe-inline'; sandbox" ||
				!strings.Contains(h.Get("Cache-Control"), "immutable") {
				t.Fatalf("%s served %d with %v", p, resp.StatusCode, h)
			}
			if tt.ct == "image/png" && !bytes.Equal(body, pngBytes(t, 240, 80)) {
				t.Fatal("the served PNG differs from the host's")
			}
			if tt.ct == "image/svg+xml" && (strings.Contains(string(body), "inkscape") || !strings.HasPrefix(string(body), "<svg ")) {
				t.Fatalf("the served SVG is not the rewritten one: %s", body)
			}
		}
		for _, bad := range []string{"/logos/x.png", "/logos/" + strings.Repeat("0", 64) + ".png", "/logos/" + strings.Repeat("0", 64) + ".html"} {
			resp, err := http.Get(submit.URL + bad)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
			}
		}
	})
}

// TestRefusedAddress: without --allow-insecure-urls a logo on a loopback
// address is refused, and the message names the class of address, never
// the address.
func TestRefusedAddress(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t), false)
	host := logoHost(t)
	l := e.checked(t, host.URL+"/logo.png")
	if l.State != store.LogoFailed || l.ErrorCode != CodeFetchFailed || !strings.Contains(l.ErrorMessage, "loopback") {
		t.Fatalf("got %s %s %q, want failed %s naming loopback", l.State, l.ErrorCode, l.ErrorMessage, CodeFetchFailed)
	}
	if strings.Contains(l.ErrorMessage, "127.0.0.1") {
		t.Fatalf("the message names the address: %q", l.ErrorMessage)
	}
}

// TestSameURLFetchedOnce: jobs naming a logo already checked read it and
// fetch nothing; a recent failure is kept, an operator's retry fetches
// again.
func TestSameURLFetchedOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, storetest.SQLite(t), true)
	var hits atomic.Int32
	var ok atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/logo.png", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if !ok.Load() {
			http.NotFound(w, r)
			return
		}
		w.Write(pngBytes(t, 10, 10))
	})
	host := httptest.NewServer(mux)
	t.Cleanup(host.Close)
	if l := e.checked(t, host.URL+"/logo.png"); l.State != store.LogoFailed {
		t.Fatalf("state %s, want failed", l.State)
	}
	for range 3 {
		l, err := e.svc.Request(t.Context(), e.tenant, host.URL+"/logo.png")
		if err != nil || l.State != store.LogoFailed {
			t.Fatalf("request again: %v %s, want the failure kept", err, l.State)
		}
	}
	ok.Store(true)
	if _, err := e.svc.Retry(t.Context(), e.tenant, host.URL+"/logo.png"); err != nil {
		t.Fatal(err)
	}
	if l := e.checked(t, host.URL+"/logo.png"); l.State != store.LogoOK {
		t.Fatalf("after a retry: %s %s, want ok", l.State, l.ErrorMessage)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("the host was asked %d times, want 2", n)
	}
}

// TestSettledLogoIsNotReadAgain: once a logo's check has ended, asking for
// it again reads nothing until the outcome may change: a failure is kept
// until it is due to be fetched again, even when another process (here a
// second service on the same database) has been told to fetch it again.
func TestSettledLogoIsNotReadAgain(t *testing.T) {
	t.Parallel()
	st := storetest.SQLite(t)
	e := setup(t, st, true) // fetches
	host := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(host.Close)
	url := host.URL + "/logo.png"
	failed := e.checked(t, url)
	if failed.State != store.LogoFailed {
		t.Fatalf("state %s, want failed", failed.State)
	}
	// This process asks for the logo on its own clock; it is not started,
	// so nothing else reads the clock.
	var clock atomic.Pointer[time.Time]
	now := time.Now()
	clock.Store(&now)
	mine, err := New(Config{Store: st, Blobs: e.svc.cfg.Blobs, Client: e.svc.cfg.Client, Now: func() time.Time { return *clock.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	if l, err := mine.Request(t.Context(), e.tenant, url); err != nil || l.State != store.LogoFailed {
		t.Fatalf("request: %v %s, want the failure", err, l.State)
	}
	if l, err := e.svc.Retry(t.Context(), e.tenant, url); err != nil || l.State != store.LogoPending {
		t.Fatalf("the other process's retry: %v %s, want pending", err, l.State)
	}
	if l, err := mine.Request(t.Context(), e.tenant, url); err != nil || l.State != store.LogoFailed {
		t.Fatalf("request while the failure is settled: %v %s, want the remembered failure", err, l.State)
	}
	// Past the time a failure is fetched again, the store is read.
	later := failed.FetchedAt.Add(mine.cfg.RetryFailedAfter + time.Second)
	clock.Store(&later)
	if l, err := mine.Request(t.Context(), e.tenant, url); err != nil || l.State == store.LogoFailed && !l.FetchedAt.After(*failed.FetchedAt) {
		t.Fatalf("request after the failure ran out: %v %s, want the stored state", err, l.State)
	}
}
