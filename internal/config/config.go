// Package config holds Submit's settings: one Config struct, filled from
// command-line flags and SUBMIT_* environment variables, then validated.
// There are no globals; every command parses its own.
package config

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/callback"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/store/postgres"
)

// Config is every setting of `submit serve`. Other commands use the subset
// they need (most only DataDir and DatabaseURL).
type Config struct {
	// DataDir holds the SQLite database and local files. Default ./submit-data.
	DataDir string
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Default empty: SQLite in DataDir.
	DatabaseURL string
	// DBMaxConns is the most PostgreSQL connections one process opens at
	// once. Default 20 (and 0 is taken as 20). Several processes on one
	// database need, together, fewer than its max_connections: see
	// docs/operations.md.
	DBMaxConns int
	// DBIdleConns is how many PostgreSQL connections stay open while not in
	// use. Default 0: DBMaxConns, so that connections and their statement
	// caches are kept rather than closed and opened again under load.
	DBIdleConns int
	// DBConnMaxLifetime closes a PostgreSQL connection this long after it
	// was opened. Default 1h (and 0 is taken as 1h).
	DBConnMaxLifetime time.Duration
	// DBConnMaxIdleTime closes a PostgreSQL connection unused this long.
	// Default 0: never.
	DBConnMaxIdleTime time.Duration
	// BlobURL selects where files go: empty for DataDir/files, s3://bucket?…
	// for S3-compatible storage.
	BlobURL string
	// Addr is where the HTTP server listens. Default 127.0.0.1:8080.
	Addr string
	// PublicURL is the base of every link Submit hands out (upload pages,
	// file links). Default: http:// and Addr, with localhost for an
	// address on every interface or on loopback, so that links work on
	// whatever port Submit listens.
	PublicURL string
	// AllowInsecureURLs permits plain http and private addresses for
	// callbacks, artwork and logos: for local development and tests only.
	// Default false.
	AllowInsecureURLs bool
	// RetrySchedule is when callback attempts are made, as delays from the
	// first: its length is the number of attempts. Default
	// 0s,1m,5m,15m,1h,6h,24h.
	RetrySchedule callback.Schedule
	// CallbackTimeout is how long a receiver has to answer one callback
	// attempt. Default 10s (and 0 is taken as 10s).
	CallbackTimeout time.Duration
	// CallbackLease is how long a claimed delivery stays this process's
	// unrenewed: the worker renews it at a third of it while the attempt
	// runs, and after a crash the delivery is sent again when it runs out.
	// At least 1s. Default 10s (and 0 is taken as 10s).
	CallbackLease time.Duration
	// PipelineLease is how long the pipeline's claim on a job lasts without
	// renewal (it is renewed at a third of it while a step runs, so a long
	// proof keeps its job): after a crash the job's step is redone when it
	// runs out. Default 10s (and 0 is taken as 10s), pipeline.DefaultLease.
	PipelineLease time.Duration
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel slog.Level
	// LogFormat is text or json. Default text.
	LogFormat string
	// ShutdownTimeout bounds how long shutdown waits for in-flight requests
	// and work. Default 30s.
	ShutdownTimeout time.Duration
	// MaxUploadMB is the largest artwork file accepted, in MiB. Default
	// 1024.
	MaxUploadMB int64
	// FileLinkTTL is how long a file link (processed_pdf, proof,
	// preflight_report) works after it was made. Default 168h (7 days).
	FileLinkTTL time.Duration
	// JobLifetime is how long a new job's upload link works before the job
	// expires. Default 720h (30 days).
	JobLifetime time.Duration
	// MinFreeDiskMB is the free space, in MiB, that uploads must leave on
	// the disk of DataDir, so that the database can still commit; under
	// it uploads are refused and /readyz answers 503. 0 turns the check
	// off. Default 256.
	MinFreeDiskMB int64
	// MaxUnfinishedUploads is how many resumable uploads one job may have
	// started and not finished. Default 3 (and 0 is taken as 3).
	MaxUnfinishedUploads int
	// MaxUnfinishedUploadMB caps the declared sizes of one job's
	// unfinished resumable uploads together, in MiB. Default 0: twice
	// MaxUploadMB.
	MaxUnfinishedUploadMB int64
	// RenderPageTimeout bounds each call into the renderer for a page (its
	// size, its image); a page that takes longer fails its proof. Default
	// 60s.
	RenderPageTimeout time.Duration
	// ProofTimeout bounds the rendering of one file's proof. Default 30m.
	ProofTimeout time.Duration
	// RenderMemoryMB bounds the memory of each of the renderer's two
	// instances, in MiB: a page that needs more fails its proof, as the
	// file's fault. Default 192 (pdfium.DefaultInstanceMemory).
	RenderMemoryMB int64
}

// maxMB is the largest size in MiB a setting takes: 1 EiB, which still
// fits in bytes in an int64 when doubled.
const maxMB = 1 << 40

// DefaultRetrySchedule is the contract's callback schedule, as the flag
// takes it.
const DefaultRetrySchedule = "0s,1m,5m,15m,1h,6h,24h"

// DefaultCallbackLease and DefaultPipelineLease are the leases' defaults:
// long enough that no busy process loses its work, short enough that a
// crashed one's work is picked up soon. The pipeline's lease is renewed
// while a step runs, so it is seconds: the same as pipeline.DefaultLease,
// whose comment says why 10 s (not imported: config stays free of the
// renderer).
const (
	DefaultCallbackLease = 10 * time.Second
	DefaultPipelineLease = 10 * time.Second
)

// Flags registers the flags every command that opens the database takes.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", "./submit-data", "directory for the SQLite database and local files")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…); empty for SQLite in --data-dir")
}

// ServeFlags registers the flags of `submit serve`, Flags included.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.Flags(fs)
	fs.IntVar(&c.DBMaxConns, "db-max-conns", postgres.DefaultMaxConns, "PostgreSQL: most connections this process opens at once")
	fs.IntVar(&c.DBIdleConns, "db-idle-conns", 0, "PostgreSQL: connections kept open while not in use (0: --db-max-conns, all of them)")
	fs.DurationVar(&c.DBConnMaxLifetime, "db-conn-max-lifetime", postgres.DefaultMaxLifetime, "PostgreSQL: how long a connection is used before it is closed and replaced")
	fs.DurationVar(&c.DBConnMaxIdleTime, "db-conn-max-idle-time", 0, "PostgreSQL: how long an unused connection stays open (0: until its lifetime ends)")
	fs.StringVar(&c.BlobURL, "blob-url", "", "file storage: empty for --data-dir/files, or s3://bucket?region=…&endpoint=…")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.PublicURL, "public-url", "", "base URL of the links Submit hands out (default http:// and --addr)")
	fs.BoolVar(&c.AllowInsecureURLs, "allow-insecure-urls", false, "allow plain http and private addresses for callbacks, artwork and logos (development and tests only)")
	fs.Func("callback-retry-schedule", "delays of the callback attempts, comma-separated (default "+DefaultRetrySchedule+")", func(s string) error {
		d, err := callback.ParseSchedule(s)
		c.RetrySchedule = d
		return err
	})
	fs.DurationVar(&c.CallbackTimeout, "callback-timeout", callback.Timeout, "how long a receiver has to answer a callback attempt")
	fs.DurationVar(&c.CallbackLease, "callback-lease", DefaultCallbackLease, "how long a claimed callback delivery stays this process's unrenewed (renewed at a third of it while the attempt runs); after a crash it is sent again then (at least 1s)")
	fs.DurationVar(&c.PipelineLease, "pipeline-lease", DefaultPipelineLease, "how long the pipeline's claim on a job lasts unrenewed (renewed at a third of it while a step runs); after a crash the step is redone then")
	fs.Func("log-level", "debug, info, warn or error (default info)", func(s string) error {
		return c.LogLevel.UnmarshalText([]byte(s))
	})
	fs.StringVar(&c.LogFormat, "log-format", "text", "text or json")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long shutdown waits for in-flight work")
	fs.Int64Var(&c.MaxUploadMB, "max-upload-mb", 1024, "largest artwork file accepted, in MiB")
	fs.DurationVar(&c.FileLinkTTL, "file-link-ttl", 7*24*time.Hour, "how long file links in API answers and callbacks work")
	fs.DurationVar(&c.JobLifetime, "job-lifetime", 30*24*time.Hour, "how long a new job's upload link works before the job expires")
	fs.Int64Var(&c.MinFreeDiskMB, "min-free-disk-mb", 256, "free space, in MiB, that uploads must leave on the disk of --data-dir (0: no check)")
	fs.IntVar(&c.MaxUnfinishedUploads, "max-unfinished-uploads", 3, "resumable uploads one job may have started and not finished")
	fs.Int64Var(&c.MaxUnfinishedUploadMB, "max-unfinished-upload-mb", 0, "sizes of one job's unfinished resumable uploads together, in MiB (0: twice --max-upload-mb)")
	fs.DurationVar(&c.RenderPageTimeout, "render-page-timeout", pdfium.DefaultPageTimeout, "how long the proof renderer may spend on one page before the proof fails")
	fs.DurationVar(&c.ProofTimeout, "proof-timeout", proof.DefaultTimeout, "how long the proof of one file may take before it fails")
	fs.Int64Var(&c.RenderMemoryMB, "render-memory-mb", pdfium.DefaultInstanceMemory>>20, "memory each of the two proof renderers may use, in MiB; a page that needs more fails its proof")
}

// Parse parses args into fs, then fills every flag not given on the command
// line from its environment variable: --data-dir from SUBMIT_DATA_DIR and so
// on. A flag on the command line wins over the environment.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := EnvName(f.Name)
		if v := getenv(name); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// EnvName is the environment variable of a flag: SUBMIT_ and the flag's name
// in upper case with dashes as underscores.
func EnvName(flagName string) string {
	return "SUBMIT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Validate checks the settings and fills defaults that flags cannot express.
func (c *Config) Validate() error {
	var errs []error
	if c.RetrySchedule == nil {
		c.RetrySchedule = callback.DefaultSchedule
	}
	c.CallbackTimeout = cmp.Or(c.CallbackTimeout, callback.Timeout)
	c.CallbackLease = cmp.Or(c.CallbackLease, DefaultCallbackLease)
	c.PipelineLease = cmp.Or(c.PipelineLease, DefaultPipelineLease)
	if c.DatabaseURL != "" && !c.Postgres() {
		errs = append(errs, fmt.Errorf("--database-url must start with postgres:// or postgresql:// (leave it empty for SQLite in --data-dir)"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data-dir must not be empty"))
	}
	if c.PublicURL == "" && c.Addr != "" {
		u, err := publicURLFromAddr(c.Addr)
		if err != nil {
			errs = append(errs, err)
		}
		c.PublicURL = u
	} else if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q must be an absolute http or https URL, such as https://submit.example.com", c.PublicURL))
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	if c.DBMaxConns < 0 || c.DBIdleConns < 0 || c.DBConnMaxLifetime < 0 || c.DBConnMaxIdleTime < 0 {
		errs = append(errs, errors.New("--db-max-conns, --db-idle-conns, --db-conn-max-lifetime and --db-conn-max-idle-time must not be negative (0 takes the default)"))
	}
	if maxConns := cmp.Or(c.DBMaxConns, postgres.DefaultMaxConns); c.DBIdleConns > maxConns {
		errs = append(errs, fmt.Errorf("--db-idle-conns (%d) must not be more than --db-max-conns (%d): connections beyond it are never opened", c.DBIdleConns, maxConns))
	}
	if c.RenderMemoryMB < 0 || c.RenderMemoryMB > 2048 {
		errs = append(errs, fmt.Errorf("--render-memory-mb must be between 0 (for the default, %d) and 2048, the renderer's own maximum", pdfium.DefaultInstanceMemory>>20))
	}
	if c.MaxUploadMB < 0 || c.FileLinkTTL < 0 || c.JobLifetime < 0 || c.RenderPageTimeout < 0 || c.ProofTimeout < 0 {
		errs = append(errs, errors.New("--max-upload-mb, --file-link-ttl, --job-lifetime, --render-page-timeout and --proof-timeout must not be negative"))
	}
	if c.MinFreeDiskMB < 0 || c.MinFreeDiskMB > maxMB || c.MaxUnfinishedUploadMB < 0 || c.MaxUnfinishedUploadMB > maxMB {
		errs = append(errs, fmt.Errorf("--min-free-disk-mb and --max-unfinished-upload-mb must be between 0 and %d", maxMB))
	}
	if c.MaxUnfinishedUploads < 0 {
		errs = append(errs, errors.New("--max-unfinished-uploads must not be negative"))
	}
	if c.MaxUploadMB > maxMB {
		errs = append(errs, fmt.Errorf("--max-upload-mb must be at most %d", maxMB))
	}
	if c.CallbackTimeout < time.Second || c.CallbackLease < time.Second || c.PipelineLease < time.Second {
		errs = append(errs, errors.New("--callback-timeout, --callback-lease and --pipeline-lease must be at least 1s"))
	}
	if c.LogFormat != "" && c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat))
	}
	return errors.Join(errs...)
}

// Postgres reports whether the database is PostgreSQL.
func (c *Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// DBPool is the PostgreSQL pool the settings ask for.
func (c *Config) DBPool() postgres.Pool {
	return postgres.Pool{
		MaxConns: c.DBMaxConns, IdleConns: c.DBIdleConns,
		MaxLifetime: c.DBConnMaxLifetime, MaxIdleTime: c.DBConnMaxIdleTime,
	}
}

// SQLitePath is the database file used when DatabaseURL is empty.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "submit.db") }
