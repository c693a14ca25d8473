// Package manage is Manage, the operators' console: sign-in, jobs with their
// event timelines, workflow exceptions, Vault (API keys and the callback
// signing secret), tenant settings and the audit log. Pages are rendered on
// the server with html/template; the little CSS and JavaScript they use is
// embedded, so there is no build step.
//
// Every page is scoped to the signed-in operator's tenant: ids of another
// tenant's objects are not found, exactly like ids that do not exist.
package manage

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/metric"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/requestid"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
)

// manageStore is what Manage's pages read, and the store of its operator
// accounts. Every change goes through the workflow, the vault or the
// accounts.
type manageStore interface {
	operator.Store
	throttleStore
	store.DashboardStore
	Tenant(ctx context.Context, id string) (store.Tenant, error)
	ListAPIKeys(ctx context.Context, tenantID string) ([]store.APIKey, error)
	ListSigningSecrets(ctx context.Context, tenantID string, at time.Time) ([]store.SigningSecret, error)
	Job(ctx context.Context, tenantID, jobID string) (store.Job, error)
	ListJobs(ctx context.Context, p store.ListJobsParams) ([]store.Job, error)
	ListJobsByID(ctx context.Context, tenantID string, ids []string) ([]store.Job, error)
	ListEvents(ctx context.Context, tenantID, jobID string) ([]job.Event, error)
	ListArtworkVersions(ctx context.Context, tenantID, jobID string) ([]store.ArtworkVersion, error)
	ArtworkVersionsByID(ctx context.Context, tenantID string, ids []string) ([]store.ArtworkVersion, error)
	Delivery(ctx context.Context, tenantID, deliveryID string) (store.Delivery, error)
	ListDeliveries(ctx context.Context, tenantID, jobID string) ([]store.Delivery, error)
	ListJobAttempts(ctx context.Context, tenantID, jobID string) (map[string][]store.Attempt, error)
	ListExceptions(ctx context.Context, p store.ListExceptionsParams) ([]store.Delivery, error)
	ListFetchFailures(ctx context.Context, p store.FailedJobsParams) ([]store.Job, error)
	ListProofFailures(ctx context.Context, p store.FailedJobsParams) ([]store.Job, error)
	JobCounts(ctx context.Context, tenantID string, livemode bool) (map[job.Status]int, error)
	DeliveryCounts(ctx context.Context, p store.DeliveryCountsParams) (store.DeliveryCounts, error)
	ListUsers(ctx context.Context, tenantID string) ([]store.User, error)
	ListAudit(ctx context.Context, p store.ListAuditParams) ([]store.AuditEntry, error)
	Logo(ctx context.Context, tenantID, url string) (store.Logo, error)
}

// Deps is what Manage needs. Store, Workflow and Vault are required.
type Deps struct {
	Store    manageStore
	Workflow *workflow.Service
	Vault    *vault.Vault
	Logger   *slog.Logger
	Metrics  *metric.HTTP
	// PublicURL is the base of links (upload links) and decides the
	// session cookie: __Host- prefixed and Secure when it is https.
	PublicURL string
	// AllowInsecureURLs accepts http and private hosts as callback URLs.
	AllowInsecureURLs bool
	// Ping sends a test ping (callback.Worker.Ping). Nil hides the button.
	Ping func(ctx context.Context, p callback.PingParams) (store.Delivery, callback.Result, error)
	// FileURL makes the link to a stored file from its blob key, the
	// API's file link (filelink.Links.URL). Nil shows a version's files
	// by name only.
	FileURL func(key string) string
	// Profiles are the preflight profile names a tenant may choose; nil
	// accepts any name.
	Profiles []string
	// Logos checks the account's default brand logo when settings are
	// saved (logo.Service); nil checks none.
	Logos logoChecker
	// SessionLifetime is how long a sign-in lasts. Default 12h.
	SessionLifetime time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Manage serves /manage/.
type Manage struct {
	d  Deps
	st manageStore
	// accounts changes operators, their sessions and the audit log.
	accounts *operator.Accounts
	log      *slog.Logger
	pages    *pages
	cookie   string // the session cookie's name
	secure   bool   // cookies are Secure: the public URL is https
	// origin refuses cross-site POSTs (Sec-Fetch-Site, else Origin
	// against Host); the public URL's origin is trusted for proxies.
	origin *http.CrossOriginProtection
	// throttle counts failed sign-ins in the store, across processes.
	throttle *throttle
	// recent keeps each account's charts for chartsFresh (charts.go).
	recent chartCache
}

// Sign-in throttling: five failures per email or fifty per address within
// a quarter of an hour. The address limit is higher because offices share
// one address.
const (
	throttleWindow   = 15 * time.Minute
	throttleEmailMax = 5
	throttleIPMax    = 50
)

//go:embed static
var staticFS embed.FS

// New returns Manage on the given dependencies.
func New(d Deps) *Manage {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.SessionLifetime <= 0 {
		d.SessionLifetime = 12 * time.Hour
	}
	m := &Manage{
		d: d, st: d.Store, accounts: &operator.Accounts{Store: d.Store, Now: d.Now},
		log: d.Logger, pages: loadPages(),
		cookie: "submit_session", throttle: newThrottle(d.Store, throttleWindow, d.Logger),
		origin: http.NewCrossOriginProtection(),
	}
	if u, err := url.Parse(d.PublicURL); err == nil && u.Host != "" {
		// Behind a proxy the Host header may differ from the public URL.
		_ = m.origin.AddTrustedOrigin(u.Scheme + "://" + u.Host)
		if u.Scheme == "https" {
			// __Host- binds the cookie to this host, path / and Secure:
			// a sibling subdomain cannot plant or overwrite it.
			m.secure, m.cookie = true, "__Host-submit_session"
		}
	}
	return m
}

func (m *Manage) now() time.Time { return m.d.Now().UTC().Truncate(time.Microsecond) }

// Role requirements of a route.
const (
	public = "public" // no sign-in: the sign-in page itself
	anyone = ""       // any signed-in operator
	admin  = store.RoleAdmin
)

// route is one line of the route table.
type route struct {
	method, path, role string
	h                  handler
}

// handler serves a signed-in request (c is nil on public routes). A
// returned error is shown as a page: store.ErrNotFound as 404, others 500.
type handler func(w http.ResponseWriter, r *http.Request, c *call) error

func (m *Manage) routes() []route {
	return []route{
		{"GET", "/manage/signin", public, m.signinPage},
		{"POST", "/manage/signin", public, m.signin},
		{"POST", "/manage/signout", anyone, m.signout},
		{"POST", "/manage/mode", anyone, m.setMode},
		{"GET", "/manage/{$}", anyone, m.dashboard},
		{"GET", "/manage/jobs", anyone, m.jobs},
		{"GET", "/manage/jobs/{id}", anyone, m.jobPage},
		{"POST", "/manage/jobs/{id}/cancel", anyone, m.cancelJob},
		{"POST", "/manage/jobs/{id}/refetch", anyone, m.refetch},
		{"POST", "/manage/jobs/{id}/retry-proof", anyone, m.retryProof},
		{"POST", "/manage/deliveries/{id}/redeliver", anyone, m.redeliver},
		{"POST", "/manage/deliveries/{id}/resolve", anyone, m.resolve},
		{"GET", "/manage/exceptions", anyone, m.exceptions},
		{"POST", "/manage/exceptions/retry-all", anyone, m.retryAll},
		{"GET", "/manage/vault", admin, m.vaultPage},
		{"POST", "/manage/vault/keys", admin, m.createKey},
		{"POST", "/manage/vault/keys/{id}/revoke", admin, m.revokeKey},
		{"POST", "/manage/vault/secret/rotate", admin, m.rotateSecret},
		{"GET", "/manage/settings", admin, m.settingsPage},
		{"POST", "/manage/settings", admin, m.saveSettings},
		{"POST", "/manage/settings/ping", admin, m.ping},
		{"GET", "/manage/users", admin, m.usersPage},
		{"POST", "/manage/users", admin, m.createUser},
		{"POST", "/manage/users/{id}/disable", admin, m.disableUser},
		{"POST", "/manage/users/{id}/enable", admin, m.enableUser},
		{"GET", "/manage/account", anyone, m.accountPage},
		{"POST", "/manage/account/password", anyone, m.changePassword},
		{"GET", "/manage/audit", admin, m.auditPage},
	}
}

// Register adds Manage's routes to mux, each behind the security headers,
// the sign-in and role checks and, for POST, the CSRF check.
func (m *Manage) Register(mux *http.ServeMux) {
	for _, rt := range m.routes() {
		pattern := rt.method + " " + rt.path
		mux.Handle(pattern, m.d.Metrics.Instrument(pattern, m.log, m.wrap(rt)))
	}
	static := http.FileServerFS(staticFS)
	mux.Handle("GET /manage/static/", m.d.Metrics.Instrument("GET /manage/static/", m.log,
		http.StripPrefix("/manage", headers(static, "public, max-age=3600"))))
	mux.Handle("/manage/", m.d.Metrics.Instrument("/manage/", m.log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.wrap(route{role: public, h: func(w http.ResponseWriter, r *http.Request, _ *call) error {
			return store.ErrNotFound
		}}).ServeHTTP(w, r)
	})))
	mux.Handle("GET /manage", http.RedirectHandler("/manage/", http.StatusMovedPermanently))
}

// headers sets the security headers every Manage response carries.
func headers(next http.Handler, cache string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; "+
			"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", cache)
		next.ServeHTTP(w, r)
	})
}

// wrap applies the checks of a route around its handler.
func (m *Manage) wrap(rt route) http.Handler {
	return headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c *call
		if rt.role != public {
			var ok bool
			if c, ok = m.authenticate(w, r, rt.role); !ok {
				return
			}
		}
		if r.Method == http.MethodPost && m.origin.Check(r) != nil {
			m.errorPage(w, r, c, http.StatusForbidden, "This form was sent from another site",
				"Open Manage from its own address and send the form again.")
			return
		}
		if r.Method == http.MethodPost && c != nil && !c.csrfOK(r) {
			m.errorPage(w, r, c, http.StatusForbidden, "This form has expired",
				"Reload the page and send the form again.")
			return
		}
		if err := rt.h(w, r, c); err != nil {
			m.fail(w, r, c, err)
		}
	}), "no-store")
}

// fail shows an error returned by a handler.
func (m *Manage) fail(w http.ResponseWriter, r *http.Request, c *call, err error) {
	if errors.Is(err, store.ErrNotFound) {
		m.errorPage(w, r, c, http.StatusNotFound, "Not found",
			"There is nothing at this address in your account. It may have been mistyped, or belong to another account.")
		return
	}
	m.log.ErrorContext(r.Context(), "manage", slog.String("path", r.URL.Path), slog.Any("error", err))
	m.errorPage(w, r, c, http.StatusInternalServerError, "Something went wrong",
		"The action was not completed. Try again; if it keeps failing, tell your administrator the request id "+
			requestid.From(r.Context())+".")
}

// redirect answers a form with a redirect to a page of Manage (303, so the
// browser follows with GET and a reload does not send the form again).
func redirect(w http.ResponseWriter, r *http.Request, path string) error {
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

// localPath returns p when it is a path inside Manage, else def: a
// redirect target taken from a form or a header must not leave the site.
func localPath(p, def string) string {
	if !strings.HasPrefix(p, "/manage/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n") {
		return def
	}
	return p
}

// withDone adds the code of a flash message to a page's address.
func withDone(path, code string) string {
	if strings.Contains(path, "?") {
		return path + "&done=" + code
	}
	return path + "?done=" + code
}
