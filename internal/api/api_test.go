package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/api"
	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/filelink"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/metric"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/requestid"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/prometheus/client_golang/prometheus"
)

// env is a running API on a real database with a tenant and keys.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	store    store.Store
	vault    *vault.Vault
	tenantID string
	live     string // a live key with every scope
	test     string // a test key with every scope
	// flow is the API's workflow; callbacks its callback worker, nil
	// unless started withCallbacks.
	flow      *workflow.Service
	callbacks *callback.Worker
	// dataDir holds the files (dataDir/files, the blob store's root).
	dataDir string
	// logos is the logo service, nil unless started withLogos.
	logos *logo.Service
}

// setup starts the API on SQLite in a temporary directory.
func setup(t *testing.T) *env {
	t.Helper()
	return setupWith(t)
}

// setupWith is setup with options, such as withCallbacks.
func setupWith(t *testing.T, opts ...option) *env {
	t.Helper()
	return start(t, storetest.SQLite(t), opts...)
}

// option changes what start builds; without options the API runs as in
// setup: no callback worker, https URLs only.
type option func(*startOptions)

type startOptions struct {
	schedule callback.Schedule // non-nil: run a callback worker on it
	minFree  int64             // the disk floor, in bytes; 0: none
	logos    bool              // run a logo service
}

// withLogos runs a logo service, wired as serve wires it, with job URLs
// allowed to be http and local (--allow-insecure-urls), so that logos can
// come from an httptest server. The service is e.logos.
func withLogos() option {
	return func(o *startOptions) { o.logos = true }
}

// withDiskFloor makes artwork uploads keep min bytes free on the disk.
func withDiskFloor(min int64) option {
	return func(o *startOptions) { o.minFree = min }
}

// withCallbacks runs a callback worker on the given retry schedule, wired
// as serve wires it: the workflow wakes it after each event with a
// delivery and gives new deliveries len(schedule) attempts, and the API
// sends test pings with it and wakes it after a redelivery. Job and ping
// URLs may then be http and local (--allow-insecure-urls), so that
// callbacks can go to an httptest receiver. The worker is e.callbacks.
func withCallbacks(schedule callback.Schedule) option {
	return func(o *startOptions) { o.schedule = schedule }
}

// start starts the API on db, a migrated store (storetest.SQLite or
// storetest.ForEach's), which is closed when the test ends.
func start(t *testing.T, db store.Store, opts ...option) *env {
	t.Helper()
	var o startOptions
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	v := vault.New(db)
	tn, _, err := v.EnsureTenant(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	_, live, err := v.CreateKey(ctx, vault.KeyParams{TenantID: tn.ID, Name: "erp", Livemode: true})
	if err != nil {
		t.Fatal(err)
	}
	_, test, err := v.CreateKey(ctx, vault.KeyParams{TenantID: tn.ID, Name: "erp test"})
	if err != nil {
		t.Fatal(err)
	}
	dataDir := t.TempDir()
	blobs, err := blob.NewLocal(filepath.Join(dataDir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	links, err := filelink.New(bytes.Repeat([]byte{1}, 32), "https://submit.example.com", 0)
	if err != nil {
		t.Fatal(err)
	}
	flow := &workflow.Service{Store: db, Now: time.Now, Attempts: 7, Blobs: blobs}
	deps := api.Deps{
		Store: db, Workflow: flow, Metrics: metric.NewHTTP(prometheus.NewRegistry()),
		PublicURL: "https://submit.example.com", Files: links.EventFiles,
		Disk: &disk.Floor{Dir: dataDir, Min: o.minFree},
	}
	var worker *callback.Worker
	if o.schedule != nil {
		worker, err = callback.New(callback.Config{
			Store: db, Client: netguard.NewClient(netguard.Options{AllowInsecure: true}), Schedule: o.schedule,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := worker.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(worker.Stop) // before the database closes
		flow.Attempts, flow.Notify = len(o.schedule), worker.Notify
		deps.Callbacks, deps.AllowInsecureURLs = worker, true
	}
	var logos *logo.Service
	if o.logos {
		logos, err = logo.New(logo.Config{Store: db, Blobs: blobs, Poll: 50 * time.Millisecond, Timeout: 2 * time.Second,
			Client: netguard.NewClient(netguard.Options{AllowInsecure: true, Timeout: 2 * time.Second})})
		if err != nil {
			t.Fatal(err)
		}
		if err := logos.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(logos.Stop) // before the database closes
		deps.Logos, deps.AllowInsecureURLs = logos, true
	}
	mux := http.NewServeMux()
	api.New(deps).Register(mux)
	srv := httptest.NewServer(requestid.Handler(mux))
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, store: db, vault: v, tenantID: tn.ID, live: live, test: test, flow: flow, callbacks: worker, dataDir: dataDir, logos: logos}
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request; headers come in pairs.
func (e *env) do(method, path, body string, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// post sends JSON with the given key.
func (e *env) post(path, body, key string, headers ...string) response {
	e.t.Helper()
	return e.do("POST", path, body, append([]string{"Authorization", "Bearer " + key, "Content-Type", "application/json"}, headers...)...)
}

func (e *env) get(path, key string) response {
	e.t.Helper()
	return e.do("GET", path, "", "Authorization", "Bearer "+key)
}

// createJob creates a job and returns its id.
func (e *env) createJob(key, externalID string) string {
	e.t.Helper()
	r := e.post("/api/jobs", `{"externalId":"`+externalID+`"}`, key)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create job: %d %s", r.status, r.body)
	}
	return r.json(e.t)["id"].(string)
}

// wantProblem checks a problem response and returns it.
func wantProblem(t *testing.T, r response, status int, slug string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if p["type"] != api.ProblemBase+slug || p["status"] != float64(status) || p["title"] == "" || p["detail"] == "" {
		t.Errorf("problem = %v, want type %s", p, slug)
	}
	if p["requestId"] == "" || p["requestId"] != r.header.Get("X-Request-Id") {
		t.Errorf("problem requestId %v must equal the X-Request-Id header %q", p["requestId"], r.header.Get("X-Request-Id"))
	}
	return p
}

// pointers returns the pointer → detail map of a validation problem.
func pointers(p map[string]any) map[string]string {
	out := map[string]string{}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out[m["pointer"].(string)] = m["detail"].(string)
	}
	return out
}

func countJobs(t *testing.T, e *env, livemode bool) int {
	t.Helper()
	jobs, err := e.store.ListJobs(context.Background(), store.ListJobsParams{TenantID: e.tenantID, Livemode: livemode, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(jobs)
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
