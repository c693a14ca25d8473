package pipeline

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/workflow"
)

// artworkServer serves the cases of TestArtworkURL on loopback.
func artworkServer(t *testing.T, pdf []byte) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/files/ok.pdf", func(w http.ResponseWriter, r *http.Request) {
		if ua := r.UserAgent(); ua != "AtomyxSubmit/1.4.0 (artwork fetch)" {
			http.Error(w, "unexpected User-Agent "+ua, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(pdf)
	})
	mux.HandleFunc("/files/missing.pdf", http.NotFound)
	mux.HandleFunc("/files/private.pdf", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	mux.HandleFunc("/files/moved.pdf", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/files/ok.pdf", http.StatusFound)
	})
	mux.HandleFunc("/files/page.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>Sign in</title>"))
	})
	big := append([]byte("%PDF-1.7\n"), make([]byte, 200_000)...)
	mux.HandleFunc("/files/big.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		_, _ = w.Write(big)
	})
	mux.HandleFunc("/files/big-chunked.pdf", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 20; i++ {
			_, _ = w.Write(big[i*10_000 : (i+1)*10_000])
			w.(http.Flusher).Flush() // no Content-Length: the limit must hold on the bytes
		}
	})
	mux.HandleFunc("/files/slow.pdf", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestArtworkURL(t *testing.T) {
	t.Parallel()
	srv := artworkServer(t, samplePDF(t, 1))
	cases := []struct {
		name, url, code string
		details         map[string]any // expected subset of details
	}{
		{"404", srv.URL + "/files/missing.pdf?sig=SECRET", CodeFetchFailed, map[string]any{"httpStatus": 404.0}},
		{"403", srv.URL + "/files/private.pdf", CodeFetchFailed, map[string]any{"httpStatus": 403.0}},
		{"redirect", srv.URL + "/files/moved.pdf", CodeFetchFailed, map[string]any{"httpStatus": 302.0}},
		{"not a PDF", srv.URL + "/files/page.pdf", CodeNotPDF, map[string]any{"contentType": "text/html"}},
		{"too large", srv.URL + "/files/big.pdf", CodeTooLarge, map[string]any{"limitBytes": 100_000.0, "sizeBytes": 200_009.0}},
		{"too large, no length", srv.URL + "/files/big-chunked.pdf", CodeTooLarge, map[string]any{"limitBytes": 100_000.0}},
		{"timeout", srv.URL + "/files/slow.pdf", CodeFetchFailed, map[string]any{"reason": "timeout"}},
		{"connection refused", "http://" + closedPort(t) + "/a.pdf", CodeFetchFailed, map[string]any{"reason": "connection_refused"}},
	}
	e := setup(t, storetest.SQLite(t))
	e.flow.MaxUploadBytes = 100_000
	e.pipeline(t, func(c *Config) { c.FetchTimeout, c.Version = time.Second, "1.4.0" })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := e.newJob(t, tc.url)
			checkFetchFailed(t, e, j, tc.code, tc.details)
		})
	}
	t.Run("ok", func(t *testing.T) {
		t.Parallel()
		j := e.newJob(t, srv.URL+"/files/ok.pdf?token=abc")
		got := e.wait(t, j, job.ProofGenerated)
		if got.ArtworkFetch != store.FetchDone {
			t.Errorf("ArtworkFetch = %q, want done", got.ArtworkFetch)
		}
		vs, _ := e.st.ListArtworkVersions(t.Context(), j.TenantID, j.ID)
		if len(vs) != 1 || vs[0].Filename != "ok.pdf" || vs[0].Size == 0 {
			t.Errorf("versions = %+v", vs)
		}
	})
}

// TestArtworkURLPrivateAddress: without --allow-insecure-urls, a URL that
// resolves to loopback is refused at connect time.
func TestArtworkURLPrivateAddress(t *testing.T) {
	t.Parallel()
	srv := artworkServer(t, samplePDF(t, 1))
	e := setup(t, storetest.SQLite(t))
	e.pipeline(t, func(c *Config) { c.Client = netguard.NewClient(netguard.Options{Timeout: time.Second}) })
	j := e.newJob(t, srv.URL+"/files/ok.pdf")
	checkFetchFailed(t, e, j, CodeFetchFailed, map[string]any{"reason": "address_not_allowed"})
}

func checkFetchFailed(t *testing.T, e *env, j job.Job, code string, want map[string]any) {
	t.Helper()
	got := e.wait(t, j, job.PreflightFailed)
	if got.ArtworkFetch != store.FetchFailed {
		t.Errorf("ArtworkFetch = %q, want failed", got.ArtworkFetch)
	}
	vs, err := e.st.ListArtworkVersions(t.Context(), j.TenantID, j.ID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions = %v, %v", vs, err)
	}
	v := vs[0]
	if v.Size != 0 || v.SHA256 != "" || v.BlobKey != "" || v.Filename == "" || strings.ContainsAny(v.Filename, "/?") {
		t.Errorf("version without a file = %+v", v)
	}
	if len(v.Errors) != 1 || v.Errors[0].Code != code || v.Errors[0].Check != "artwork_fetch" ||
		v.Errors[0].Severity != "error" || v.Errors[0].Message == "" {
		t.Fatalf("errors = %+v, want one %s", v.Errors, code)
	}
	var details map[string]any
	if err := json.Unmarshal(v.Errors[0].Details, &details); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		if details[k] != w {
			t.Errorf("details[%s] = %v, want %v (all: %v)", k, details[k], w, details)
		}
	}
	if host, _ := details["host"].(string); host == "" || strings.Contains(string(v.Errors[0].Details), "SECRET") ||
		strings.Contains(string(v.Errors[0].Details), "/files/") {
		t.Errorf("details must name the host and never the URL: %s", v.Errors[0].Details)
	}
	// The ERP hears of it: the preflight_failed event carries the finding.
	evs, _ := e.st.ListEvents(t.Context(), j.TenantID, j.ID)
	if len(evs) != 1 || evs[0].Status != job.PreflightFailed || len(evs[0].Errors) != 1 || evs[0].ArtworkVersionID != v.ID {
		t.Errorf("events = %+v", evs)
	}
	// And the customer can still upload.
	if _, err := e.flow.Upload(t.Context(), workflow.UploadParams{TenantID: j.TenantID, JobID: j.ID, Filename: "a.pdf",
		Body: strings.NewReader("%PDF-1.7\n"), Size: -1}); err != nil {
		t.Errorf("upload after a failed fetch: %v", err)
	}
}

// TestFetchAgainFailsAgain: an operator's "fetch again" on a job whose
// fetch failed, when the URL fails again, keeps the job in
// preflight_failed, adds the new finding to the version and marks the
// fetch failed, so Manage offers it once more. (It used to ask for
// preflight_failed → preflight_failed, be refused, and give up as a crash.)
func TestFetchAgainFailsAgain(t *testing.T) {
	t.Parallel()
	srv := artworkServer(t, samplePDF(t, 1))
	e := setup(t, storetest.SQLite(t))
	e.pipeline(t)
	j := e.newJob(t, srv.URL+"/files/missing.pdf")
	failed := e.wait(t, j, job.PreflightFailed)
	if failed.ArtworkFetch != store.FetchFailed {
		t.Fatalf("ArtworkFetch = %q, want failed", failed.ArtworkFetch)
	}

	if err := e.st.SetArtworkFetch(t.Context(), j.ID, store.FetchPending); err != nil {
		t.Fatal(err)
	}
	e.flow.Wake()
	deadline := time.Now().Add(30 * time.Second)
	var got store.Job
	for {
		var err error
		if got, err = e.st.Job(t.Context(), j.TenantID, j.ID); err != nil {
			t.Fatal(err)
		}
		if got.ArtworkFetch != store.FetchPending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the fetch is still pending after 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.ArtworkFetch != store.FetchFailed || got.Status != job.PreflightFailed || got.CurrentVersionID != failed.CurrentVersionID {
		t.Fatalf("after fetching again: status %s, fetch %q, version %s (was %s)", got.Status, got.ArtworkFetch, got.CurrentVersionID, failed.CurrentVersionID)
	}
	vs, err := e.st.ListArtworkVersions(t.Context(), j.TenantID, j.ID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	if len(vs[0].Errors) != 2 || vs[0].Errors[1].Code != CodeFetchFailed {
		t.Errorf("errors = %+v, want the first failure and the new one", vs[0].Errors)
	}
	for _, f := range vs[0].Errors {
		if f.Code == CodeEngineFailed {
			t.Errorf("the pipeline gave up as on a crash: %+v", f)
		}
	}
	// The status did not change, so there is no second event.
	if st := e.statuses(t, j); len(st) != 1 {
		t.Errorf("events = %v, want the one preflight_failed", st)
	}
	// And the customer can still upload.
	e.upload(t, j, "a.pdf", samplePDF(t, 1))
	if got := e.wait(t, j, job.ProofGenerated); got.ArtworkFetch != store.FetchDone {
		t.Errorf("after an upload, ArtworkFetch = %q, want done", got.ArtworkFetch)
	}
}
