// Package web serves the customer pages: the page behind a job's uploadURL,
// where the print customer uploads artwork, follows preflight, reads the
// proof and approves or rejects it.
//
// Pages are rendered on the server with html/template, so every string an
// ERP supplied is escaped. The CSS and the few vanilla JavaScript modules
// are embedded in the binary: there is no build step. Everything works
// without JavaScript too (a plain form upload, a page that refreshes while
// preflight runs); with it, uploads are resumable (tus), progress and
// status are live, and the proof is zoomable.
//
// The link token in the URL is the only credential: it has at least 128
// bits, and every page sends Referrer-Policy: no-referrer. Pages load
// nothing from other origins: the brand logo is the copy Submit fetched
// and checked (package logo), served from its own /logos/ route.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/metric"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// webStore is what the customer pages read: the job behind a link, its
// tenant's brand, its artwork versions, and the jobs whose event streams
// are open. Every change goes through the workflow.
type webStore interface {
	jobLister
	rateStore
	JobByUploadToken(ctx context.Context, token string) (store.Job, error)
	Tenant(ctx context.Context, id string) (store.Tenant, error)
	ListArtworkVersions(ctx context.Context, tenantID, jobID string) ([]store.ArtworkVersion, error)
	ArtworkVersion(ctx context.Context, tenantID, versionID string) (store.ArtworkVersion, error)
	Logo(ctx context.Context, tenantID, url string) (store.Logo, error)
}

// logos serves checked logos and records a logo URL to check.
type logos interface {
	http.Handler
	Request(ctx context.Context, tenantID, url string) (store.Logo, error)
}

// Deps is what the customer pages need. Store and Workflow are required.
type Deps struct {
	Store    webStore
	Workflow *workflow.Service
	Logger   *slog.Logger
	Metrics  *metric.HTTP
	// PublicURL is the base of upload links. An https URL makes cookies
	// Secure and __Host- prefixed.
	PublicURL string
	// DataDir holds unfinished resumable uploads, under DataDir/tus,
	// unless UploadBucket is set.
	DataDir string
	// UploadBucket, when set, keeps unfinished resumable uploads in the
	// blob bucket under "uploads/" (tusd's S3 store), so that any process
	// sharing the bucket can resume them. Nil keeps them under DataDir.
	UploadBucket *blob.S3
	// UploadLocker keeps two requests from writing one resumable upload
	// at once. Nil is tusd's memorylocker, which holds within this
	// process only: enough for one process, as on SQLite; several
	// processes need one that holds across them (postgres.UploadLocker).
	UploadLocker tusd.Locker
	// Disk is the free space uploads must leave on DataDir's disk; nil
	// checks nothing.
	Disk *disk.Floor
	// MaxUnfinishedUploads is how many resumable uploads one job may have
	// started and not finished; MaxUnfinishedBytes caps their declared
	// sizes together. Defaults 3 and twice the upload limit.
	MaxUnfinishedUploads int
	MaxUnfinishedBytes   int64
	// Logos serves the checked brand logos at logo.Route, and has a logo
	// that was never recorded checked (logo.Service). Nil serves none:
	// pages show their text header.
	Logos logos
	// RequestsPerSecond and Burst bound the requests one address may make
	// to the customer pages, counted in the store across every process.
	// Defaults 10 and 200: enough for a chunked upload and a proof with
	// many pages, far too few to guess links.
	RequestsPerSecond float64
	Burst             int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Web serves the customer pages.
type Web struct {
	d       Deps
	log     *slog.Logger
	pages   *pages
	assets  *assets
	limiter *limiter
	cookie  cookieConfig
	origin  *http.CrossOriginProtection
	tus     *tusUploads
	hub     *hub

	// done is closed on shutdown, so that event streams and the hub end
	// and http.Server.Shutdown need not wait for them.
	done     chan struct{}
	doneOnce sync.Once
}

// New returns the customer pages on the given dependencies.
func New(d Deps) *Web {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.RequestsPerSecond <= 0 {
		d.RequestsPerSecond = 10
	}
	if d.Burst <= 0 {
		d.Burst = 200
	}
	if d.MaxUnfinishedUploads <= 0 {
		d.MaxUnfinishedUploads = 3
	}
	if d.MaxUnfinishedBytes <= 0 {
		d.MaxUnfinishedBytes = 2 * d.Workflow.MaxUpload()
	}
	a := loadAssets()
	done := make(chan struct{})
	w := &Web{
		d: d, log: d.Logger, pages: loadPages(a), assets: a,
		limiter: newLimiter(d.Store, d.RequestsPerSecond, d.Burst, d.Now, d.Logger),
		cookie:  newCookieConfig(d.PublicURL), origin: newOriginCheck(d.PublicURL),
		hub: newHub(d.Store, d.Logger, done), done: done,
	}
	w.tus = newTusUploads(w)
	return w
}

// Close ends open event streams. Register it with
// http.Server.RegisterOnShutdown: Shutdown does not end them by itself and
// would otherwise wait for them until its timeout.
func (w *Web) Close() { w.doneOnce.Do(func() { close(w.done) }) }

// Register adds the customer pages to mux: one route table.
func (w *Web) Register(mux *http.ServeMux) {
	page := func(pattern string, h http.HandlerFunc) {
		mux.Handle(pattern, w.instrument(pattern, w.secure(w.limit(h))))
	}
	page("GET /u/{token}", w.showPage)
	page("GET /u/{token}/status", w.status)
	page("GET /u/{token}/events", w.events)
	page("GET /u/{token}/proof/{version}/{page}", w.proofImage)
	page("POST /u/{token}/upload", w.checkCSRF(w.uploadForm))
	page("POST /u/{token}/approve", w.checkCSRF(w.approve))
	page("POST /u/{token}/reject", w.checkCSRF(w.reject))
	// The tus protocol uses POST, HEAD, PATCH, DELETE and OPTIONS; the
	// handler checks the link and the CSRF token on each.
	page("/u/{token}/tus/", w.checkCSRF(w.tus.serve))
	page("/u/{token}/tus/{id}", w.checkCSRF(w.tus.serve))
	mux.Handle("GET /static/u/{file}", w.instrument("GET /static/u/{file}", http.HandlerFunc(w.assets.serve)))
	if w.d.Logos != nil {
		mux.Handle(logo.Route, w.instrument(logo.Route, w.d.Logos))
	}
}

func (w *Web) instrument(route string, h http.Handler) http.Handler {
	if w.d.Metrics == nil {
		return h
	}
	return w.d.Metrics.Instrument(route, w.log, h)
}

// now is the clock in UTC.
func (w *Web) now() time.Time { return w.d.Now().UTC() }

// maxUpload is the largest file a customer may upload.
func (w *Web) maxUpload() int64 { return w.d.Workflow.MaxUpload() }

// shuttingDown is closed when the server shuts down.
func (w *Web) shuttingDown() <-chan struct{} { return w.done }

// background is a context for work that must finish even when the
// customer's request ends (storing a completed upload).
func background(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
