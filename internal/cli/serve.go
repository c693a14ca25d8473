package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/atomyx/submit/internal/api"
	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/filelink"
	"github.com/atomyx/submit/internal/logo"
	"github.com/atomyx/submit/internal/manage"
	"github.com/atomyx/submit/internal/metric"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/operator"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/requestid"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/postgres"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/web"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// runServe wires every part of Submit by hand, in one place, and runs it
// until SIGINT or SIGTERM.
func runServe(ctx context.Context, args []string, env Env) int {
	var cfg config.Config
	fs := newFlagSet("serve", env)
	cfg.ServeFlags(fs)
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return fail(env, "%v", err)
	}
	if err := cfg.Validate(); err != nil {
		return fail(env, "%v", err)
	}
	log := newLogger(env.Stderr, &cfg)
	pdfium.TuneGC(env.Getenv)
	pdfium.TuneProcs(env.Getenv, pdfium.DefaultWorkers)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, &cfg, log, env.Stdout); err != nil {
		log.Error("submit stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// newLogger is the server's logger: every line logged with a request's
// context carries its request id.
func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(requestid.LogHandler(h))
}

// serve runs Submit until ctx ends or a part of it fails. The database
// and the renderer, opened first, are closed last: after run has stopped
// all that uses them.
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, stdout io.Writer) (err error) {
	if !cfg.Postgres() {
		lock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer lock.Close()
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeLast(&err, st.Close)
	if err := reclaim(ctx, cfg, st, log); err != nil {
		return err
	}
	if err := bootstrap(ctx, st, stdout); err != nil {
		return err
	}
	art, err := newArtwork(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	defer closeLast(&err, art.Close)

	callbacks, err := callback.New(callback.Config{
		Store:    st,
		Client:   netguard.NewClient(netguard.Options{AllowInsecure: cfg.AllowInsecureURLs, Timeout: cfg.CallbackTimeout}),
		Schedule: cfg.RetrySchedule,
		Timeout:  cfg.CallbackTimeout,
		Lease:    cfg.CallbackLease,
		Version:  version(),
		Logger:   log,
		Files:    art.Links.EventFiles,
	})
	if err != nil {
		return fmt.Errorf("callback worker: %w", err)
	}
	// Uploads leave this much free on the data directory's disk, so that
	// the database can still commit.
	floor := &disk.Floor{Dir: cfg.DataDir, Min: cfg.MinFreeDiskMB << 20}
	flow := &workflow.Service{
		Store: st, Now: time.Now, Attempts: cfg.RetrySchedule.Attempts(), Notify: callbacks.Notify,
		Blobs: art.Blobs, MaxUploadBytes: cfg.MaxUploadMB << 20, Lifetime: cfg.JobLifetime,
	}
	pipe, err := art.pipeline(flow, log)
	if err != nil {
		return err
	}
	flow.Wake = pipe.Notify
	// Brand logos are fetched in the background, checked and served from
	// /logos/, so that customers' browsers fetch nothing from elsewhere.
	logos, err := logo.New(logo.Config{
		Store: st, Blobs: art.Blobs, Version: version(), Logger: log,
		Client: netguard.NewClient(netguard.Options{AllowInsecure: cfg.AllowInsecureURLs, Timeout: logo.DefaultTimeout}),
	})
	if err != nil {
		return err
	}
	services := []service{
		&workflow.Sweeper{Service: flow, Logger: log}, &operator.SessionSweeper{Store: st, Logger: log},
		&web.UploadSweeper{DataDir: cfg.DataDir, Bucket: uploadBucket(art.Blobs), Logger: log}, callbacks, pipe, logos,
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := metric.NewHTTP(reg)

	mux := http.NewServeMux()
	api.New(api.Deps{
		Store: st, Workflow: flow, Logger: log, Metrics: metrics,
		PublicURL: cfg.PublicURL, AllowInsecureURLs: cfg.AllowInsecureURLs,
		Profiles: preflight.ProfileNames(), Callbacks: callbacks, Files: art.Links.EventFiles, Disk: floor, Logos: logos,
	}).Register(mux)
	// Logged and counted by route: the path holds the link's token.
	mux.Handle(filelink.Route, metrics.Instrument(filelink.Route, log, art.Links.Handler(art.Blobs, log)))
	manage.New(manage.Deps{
		Store: st, Workflow: flow, Vault: vault.New(st), Logger: log, Metrics: metrics,
		PublicURL: cfg.PublicURL, AllowInsecureURLs: cfg.AllowInsecureURLs,
		Ping: callbacks.Ping, Profiles: preflight.ProfileNames(), FileURL: art.Links.URL, Logos: logos,
	}).Register(mux)
	pages := web.New(web.Deps{
		Store: st, Workflow: flow, Logger: log, Metrics: metrics,
		PublicURL: cfg.PublicURL, DataDir: cfg.DataDir, Logos: logos,
		Disk: floor, MaxUnfinishedUploads: cfg.MaxUnfinishedUploads, MaxUnfinishedBytes: cfg.MaxUnfinishedUploadMB << 20,
		UploadBucket: uploadBucket(art.Blobs), UploadLocker: uploadLocker(st),
	})
	pages.Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", readyz(st, floor, log))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server running there? choose one with --addr)", cfg.Addr, err)
	}
	// No ReadTimeout or WriteTimeout: they bound whole requests, and
	// uploads, downloads and event streams may take long. Body reads are
	// bounded one by one instead.
	srv := &http.Server{
		Handler:           withBodyReadDeadline(requestid.Handler(mux), bodyReadTimeout),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(pages.Close) // event streams would hold Shutdown until its timeout

	if msg := config.PublicURLMismatch(cfg.PublicURL, ln.Addr().String()); msg != "" {
		log.Warn(msg, slog.String("public_url", cfg.PublicURL), slog.String("addr", ln.Addr().String()))
	}
	log.Info("submit is listening", slog.String("addr", ln.Addr().String()), slog.String("public_url", cfg.PublicURL),
		slog.Bool("postgres", cfg.Postgres()), slog.String("version", version()))
	r := &runner{srv: srv, services: services, timeout: cfg.ShutdownTimeout, log: log}
	return r.run(ctx, ln)
}

// uploadBucket is where unfinished resumable uploads are kept: the S3
// bucket of the files, shared by every process, or nil for the data
// directory.
func uploadBucket(blobs blob.Store) *blob.S3 {
	s3, _ := blobs.(*blob.S3)
	return s3
}

// uploadLocker locks a resumable upload across every process of the
// PostgreSQL database; nil, on SQLite, locks within the one process that
// holds the data directory.
func uploadLocker(st store.Store) tusd.Locker {
	if pg, ok := st.(*postgres.DB); ok {
		return pg.UploadLocker()
	}
	return nil
}

// pinger is a database readyz asks whether it answers.
type pinger interface {
	Ping(ctx context.Context) error
}

// readyz answers GET /readyz: 200 while the database answers and the
// disk of the data directory has more free space than its floor, else 503
// with the reason. Under the floor uploads are refused and the database
// may soon fail to commit, so a load balancer should prefer another
// process, and the operator's monitoring should say why.
func readyz(st pinger, floor *disk.Floor, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.Ping(pctx); err != nil {
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		switch err := floor.Check(); {
		case errors.Is(err, disk.ErrFull):
			http.Error(w, "disk nearly full, uploads are refused: "+err.Error(), http.StatusServiceUnavailable)
			return
		case err != nil:
			log.ErrorContext(r.Context(), "readiness", slog.Any("error", err))
			http.Error(w, "cannot measure the free disk space", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	}
}

// bootstrapStore is what bootstrap reads to tell an empty database, and
// the vault's store it makes the first tenant and key with.
type bootstrapStore interface {
	vault.Store
	ListTenants(ctx context.Context) ([]store.Tenant, error)
}

// bootstrap makes a first tenant with a live key when the database has no
// tenant at all, and prints the key once, so that one command is enough to
// start using Submit.
func bootstrap(ctx context.Context, st bootstrapStore, stdout io.Writer) error {
	tenants, err := st.ListTenants(ctx)
	if err != nil {
		return fmt.Errorf("list tenants: %w", err)
	}
	if len(tenants) > 0 {
		return nil
	}
	v := vault.New(st)
	t, created, err := v.EnsureTenant(ctx, "default")
	if err != nil || !created {
		return err // another process bootstrapped meanwhile when !created
	}
	_, key, err := v.CreateKey(ctx, vault.KeyParams{TenantID: t.ID, Name: "first key", Livemode: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, `
Submit made a first tenant, "default", with this live API key.
It is shown only this once: keep it somewhere safe.

    %s

Create more with:        submit key create --tenant default [--test]
Callback signing secret: submit secret show --tenant default

`, key)
	return nil
}

// leaseReleaser is a store that can end every lease at once.
type leaseReleaser interface {
	ReleaseLeases(ctx context.Context) (int64, error)
}

// reclaim ends, on SQLite, the leases a killed server left: this server
// holds the data directory alone (lockDataDir), so no lease in its
// database is anyone's but a dead process's, and its work is taken up now
// instead of when the leases run out. On PostgreSQL other processes may
// be alive and holding theirs: leases end by running out.
func reclaim(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger) error {
	r, ok := st.(leaseReleaser)
	if cfg.Postgres() || !ok {
		return nil
	}
	n, err := r.ReleaseLeases(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("took up the work a stopped server had leased", slog.Int64("leases", n))
	}
	return nil
}
