// Package api is Submit's REST surface for ERPs: one route table, a handler
// file per resource action, RFC 9457 problems for every error.
//
// Handlers decode, validate, call the workflow and respond; they never build
// SQL, and every error reaches the client through writeError.
package api

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/apikey"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/metric"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

// apiStore is what the API reads for its answers, and the vault's store:
// the API keeps its keys' last use through a vault of its own. Writes to
// jobs and deliveries go through the workflow.
type apiStore interface {
	vault.Store
	Tenant(ctx context.Context, id string) (store.Tenant, error)
	Job(ctx context.Context, tenantID, jobID string) (store.Job, error)
	ListJobs(ctx context.Context, p store.ListJobsParams) ([]store.Job, error)
	ListEvents(ctx context.Context, tenantID, jobID string) ([]job.Event, error)
	ListArtworkVersions(ctx context.Context, tenantID, jobID string) ([]store.ArtworkVersion, error)
	IdempotencyRecord(ctx context.Context, p store.IdempotencyLookup) (store.IdempotencyRecord, error)
	Delivery(ctx context.Context, tenantID, deliveryID string) (store.Delivery, error)
	ListDeliveries(ctx context.Context, tenantID, jobID string) ([]store.Delivery, error)
	ListJobAttempts(ctx context.Context, tenantID, jobID string) (map[string][]store.Attempt, error)
	ListExceptions(ctx context.Context, p store.ListExceptionsParams) ([]store.Delivery, error)
	Logo(ctx context.Context, tenantID, url string) (store.Logo, error)
}

// Deps is what the API needs; serve wires it by hand.
type Deps struct {
	Store    apiStore
	Workflow *workflow.Service
	Logger   *slog.Logger
	Metrics  *metric.HTTP
	// PublicURL is the base of upload links, without a trailing slash.
	PublicURL string
	// AllowInsecureURLs accepts http and private hosts in job URLs.
	AllowInsecureURLs bool
	// Profiles are the preflight profile names a job may name; nil accepts
	// any.
	Profiles []string
	// Files makes the links of an event's files, as in callbacks; nil
	// shows none.
	Files func(job.Event) map[string]string
	// Callbacks sends test pings; nil in tests that need none. The
	// workflow wakes it after a redelivery.
	Callbacks *callback.Worker
	// Disk is the free space artwork uploads must leave on the data
	// directory's disk; nil checks nothing.
	Disk *disk.Floor
	// Logos checks jobs' brand logos in the background (logo.Service);
	// nil checks none.
	Logos logoRequester
}

// API serves /api.
type API struct {
	store     apiStore
	flow      *workflow.Service
	vault     *vault.Vault
	log       *slog.Logger
	metrics   *metric.HTTP
	publicURL string
	validator jobValidator
	callbacks *callback.Worker
	fileLinks func(job.Event) map[string]string
	disk      *disk.Floor
	logos     logoRequester
	now       func() time.Time
}

// files makes an event's file links.
func (a *API) files(e job.Event) map[string]string {
	if a.fileLinks == nil {
		return nil
	}
	return a.fileLinks(e)
}

// New returns the API.
func New(d Deps) *API {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{
		store: d.Store, flow: d.Workflow, vault: vault.New(d.Store), log: log, metrics: d.Metrics, publicURL: d.PublicURL,
		validator: jobValidator{allowInsecure: d.AllowInsecureURLs, profiles: d.Profiles},
		callbacks: d.Callbacks, fileLinks: d.Files, disk: d.Disk, logos: d.Logos, now: time.Now,
	}
}

//go:embed openapi.json
var openapiFS embed.FS

// route is one line of the route table.
type route struct {
	method, path string
	scope        string // "" for public routes
	handler      http.HandlerFunc
}

func (a *API) routes() []route {
	return []route{
		{"POST", "/api/jobs", apikey.ScopeJobsWrite, a.createJob},
		{"GET", "/api/jobs", apikey.ScopeJobsRead, a.listJobs},
		{"GET", "/api/jobs/{id}", apikey.ScopeJobsRead, a.getJob},
		{"PATCH", "/api/jobs/{id}", apikey.ScopeJobsWrite, a.updateJob},
		{"DELETE", "/api/jobs/{id}", apikey.ScopeJobsWrite, a.deleteJob},
		{"POST", "/api/jobs/{id}/cancel", apikey.ScopeJobsWrite, a.cancelJob},
		{"POST", "/api/jobs/{id}/approve", apikey.ScopeJobsWrite, a.approveJob},
		{"POST", "/api/jobs/{id}/reject", apikey.ScopeJobsWrite, a.rejectJob},
		{"GET", "/api/jobs/{id}/events", apikey.ScopeJobsRead, a.listEvents},
		{"PUT", "/api/jobs/{id}/artwork", apikey.ScopeJobsWrite, a.uploadArtwork},
		{"GET", "/api/jobs/{id}/deliveries", apikey.ScopeCallbacksRead, a.listDeliveries},
		{"GET", "/api/exceptions", apikey.ScopeCallbacksRead, a.listExceptions},
		{"POST", "/api/deliveries/{id}/redeliver", apikey.ScopeCallbacksWrite, a.redeliver},
		{"POST", "/api/deliveries/{id}/resolve", apikey.ScopeCallbacksWrite, a.resolveDelivery},
		{"POST", "/api/callbacks/ping", apikey.ScopeCallbacksWrite, a.ping},
		{"GET", "/api/callbacks/settings", apikey.ScopeCallbacksRead, a.callbackSettings},
		{"PATCH", "/api/callbacks/settings", apikey.ScopeCallbacksWrite, a.updateCallbackSettings},
		{"GET", "/api/openapi.json", "", a.openapi},
	}
}

// Register adds the API's routes to mux. Each path also gets a catch-all
// that answers a wrong method with a 405 problem naming the allowed ones,
// and /api/ answers unknown paths with a 404 problem, so that no API
// response is ever plain text.
func (a *API) Register(mux *http.ServeMux) {
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range a.routes() {
		var h http.Handler = rt.handler
		if rt.scope != "" {
			h = a.requireScope(rt.scope, rt.handler)
		}
		pattern := rt.method + " " + rt.path
		mux.Handle(pattern, a.metrics.Instrument(pattern, a.log, h))
		if _, seen := allowed[rt.path]; !seen {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for _, p := range paths {
		methods := strings.Join(allowed[p], ", ")
		mux.Handle(p, a.metrics.Instrument(p, a.log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", methods)
			writeProblem(w, r, problem(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed",
				fmt.Sprintf("%s is not allowed on %s; use %s.", r.Method, p, methods)))
		})))
	}
	mux.Handle("/api/", a.metrics.Instrument("/api/", a.log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, errNotFound(fmt.Sprintf("There is no API endpoint %s %s. The API reference is at /api/openapi.json.", r.Method, clip(r.URL.Path, 100))))
	})))
	a.registerWithoutPrefix(mux)
}

// registerWithoutPrefix answers the API's paths without /api (POST /jobs,
// GET /jobs/{id}, /openapi.json…) with a 404 problem that names the path
// meant, rather than a bare 404 a client's author cannot tell from an
// unknown job.
func (a *API) registerWithoutPrefix(mux *http.ServeMux) {
	seen := map[string]bool{}
	for _, rt := range a.routes() {
		first, _, _ := strings.Cut(strings.TrimPrefix(rt.path, "/api/"), "/")
		if seen[first] {
			continue
		}
		seen[first] = true
		patterns := []string{"/" + first}
		if !strings.Contains(first, ".") { // openapi.json is a file, not a tree
			patterns = append(patterns, "/"+first+"/")
		}
		for _, pattern := range patterns {
			mux.Handle(pattern, a.metrics.Instrument(pattern, a.log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				path := clip(r.URL.Path, 100)
				writeProblem(w, r, errNotFound(fmt.Sprintf("There is no endpoint %s %s: the API's paths start with /api, so use %s /api%s. The API reference is at /api/openapi.json.", r.Method, path, r.Method, path)))
			})))
		}
	}
}

// Paths lists the route patterns, for tests that check the OpenAPI document
// covers every route.
func (a *API) Paths() []string {
	var out []string
	for _, rt := range a.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	slices.Sort(out)
	return out
}

func (a *API) openapi(w http.ResponseWriter, r *http.Request) {
	b, _ := openapiFS.ReadFile("openapi.json")
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
