package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/store/postgres"
)

func parse(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	if err := Parse(fs, args, func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestDefaults(t *testing.T) {
	c, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./submit-data" || c.Addr != "127.0.0.1:8080" || c.PublicURL != "http://localhost:8080" { // from --addr
		t.Errorf("defaults = %q %q %q", c.DataDir, c.Addr, c.PublicURL)
	}
	if len(c.RetrySchedule) != 7 || c.RetrySchedule[6] != 24*time.Hour {
		t.Errorf("schedule = %v", c.RetrySchedule)
	}
	if c.Postgres() {
		t.Error("default must be SQLite")
	}
	if c.MaxUploadMB != 1024 || c.FileLinkTTL != 7*24*time.Hour || c.JobLifetime != 30*24*time.Hour {
		t.Errorf("limits = %d MiB, %s, %s", c.MaxUploadMB, c.FileLinkTTL, c.JobLifetime)
	}
	if c.MinFreeDiskMB != 256 || c.MaxUnfinishedUploads != 3 || c.MaxUnfinishedUploadMB != 0 {
		t.Errorf("disk and unfinished upload limits = %d MiB, %d, %d MiB", c.MinFreeDiskMB, c.MaxUnfinishedUploads, c.MaxUnfinishedUploadMB)
	}
	if c.RenderPageTimeout != time.Minute || c.ProofTimeout != 30*time.Minute || c.RenderMemoryMB != 192 {
		t.Errorf("render limits = %s a page, %s a proof, %d MiB", c.RenderPageTimeout, c.ProofTimeout, c.RenderMemoryMB)
	}
	if c.CallbackTimeout != 10*time.Second || c.CallbackLease != 10*time.Second || c.PipelineLease != 10*time.Second {
		t.Errorf("callback timeout and leases = %s, %s, %s", c.CallbackTimeout, c.CallbackLease, c.PipelineLease)
	}
	if p := c.DBPool(); p != (postgres.Pool{MaxConns: 20, MaxLifetime: time.Hour}) {
		t.Errorf("pool = %+v, want 20 connections, all kept idle (0), for an hour each", p)
	}
}

// TestPoolSettings: the PostgreSQL pool's settings come from flags and
// the environment like every other.
func TestPoolSettings(t *testing.T) {
	c, err := parse(t, []string{"--db-max-conns", "40", "--db-conn-max-lifetime", "30m"},
		map[string]string{"SUBMIT_DB_IDLE_CONNS": "10", "SUBMIT_DB_CONN_MAX_IDLE_TIME": "5m"})
	if err != nil {
		t.Fatal(err)
	}
	want := postgres.Pool{MaxConns: 40, IdleConns: 10, MaxLifetime: 30 * time.Minute, MaxIdleTime: 5 * time.Minute}
	if p := c.DBPool(); p != want {
		t.Errorf("pool = %+v, want %+v", p, want)
	}
}

// TestLeases: the leases are settings, so that a test (or an operator who
// wants a crashed process's work back sooner) can shorten them, but never
// below the second a heartbeat needs.
func TestLeases(t *testing.T) {
	c, err := parse(t, []string{"--callback-timeout", "1s", "--callback-lease", "2s"},
		map[string]string{"SUBMIT_PIPELINE_LEASE": "3s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CallbackTimeout != time.Second || c.CallbackLease != 2*time.Second || c.PipelineLease != 3*time.Second {
		t.Errorf("callback timeout and leases = %s, %s, %s", c.CallbackTimeout, c.CallbackLease, c.PipelineLease)
	}
	_, err = parse(t, []string{"--callback-lease", "500ms"}, nil)
	if err == nil || !strings.Contains(err.Error(), "--callback-lease and --pipeline-lease must be at least 1s") {
		t.Errorf("a lease of half a second: %v", err)
	}
}

// TestValidateFillsDefaults: the commands that register only Flags, and
// so leave the serve settings zero, still validate.
func TestValidateFillsDefaults(t *testing.T) {
	c := Config{DataDir: "data"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.CallbackTimeout != 10*time.Second || c.CallbackLease != 10*time.Second || c.PipelineLease != 10*time.Second {
		t.Errorf("callback timeout and leases = %s, %s, %s", c.CallbackTimeout, c.CallbackLease, c.PipelineLease)
	}
}

func TestEnvironmentAndFlagPrecedence(t *testing.T) {
	env := map[string]string{
		"SUBMIT_ADDR":                    "127.0.0.1:9999",
		"SUBMIT_DATABASE_URL":            "postgres://u@h/db",
		"SUBMIT_ALLOW_INSECURE_URLS":     "true",
		"SUBMIT_CALLBACK_RETRY_SCHEDULE": "0s,1s,2s",
		"SUBMIT_PUBLIC_URL":              "https://submit.example.com/",
		"SUBMIT_PROOF_TIMEOUT":           "10m",
	}
	c, err := parse(t, []string{"--addr", "127.0.0.1:7000"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" {
		t.Errorf("flag must win over environment, got %q", c.Addr)
	}
	if !c.Postgres() || !c.AllowInsecureURLs || len(c.RetrySchedule) != 3 || c.RetrySchedule[2] != 2*time.Second {
		t.Errorf("environment not applied: %+v", c)
	}
	if c.ProofTimeout != 10*time.Minute {
		t.Errorf("SUBMIT_PROOF_TIMEOUT not applied: %s", c.ProofTimeout)
	}
	if c.PublicURL != "https://submit.example.com" {
		t.Errorf("public URL keeps its trailing slash: %q", c.PublicURL)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"bad schedule", []string{"--callback-retry-schedule", "0s,soon"}, nil},
		{"decreasing schedule", []string{"--callback-retry-schedule", "1m,0s"}, nil},
		{"bad database", []string{"--database-url", "mysql://x"}, nil},
		{"bad public url", []string{"--public-url", "localhost:8080"}, nil},
		{"public url from port 0", []string{"--addr", "127.0.0.1:0"}, nil},
		{"public url from a bad addr", []string{"--addr", "8080"}, nil},
		{"bad env bool", nil, map[string]string{"SUBMIT_ALLOW_INSECURE_URLS": "maybe"}},
		{"bad log format", []string{"--log-format", "xml"}, nil},
		{"negative upload limit", []string{"--max-upload-mb", "-1"}, nil},
		{"upload limit overflows", []string{"--max-upload-mb", "9223372036854775807"}, nil},
		{"negative disk floor", []string{"--min-free-disk-mb", "-1"}, nil},
		{"negative unfinished uploads", nil, map[string]string{"SUBMIT_MAX_UNFINISHED_UPLOADS": "-1"}},
		{"unfinished bytes overflow", []string{"--max-unfinished-upload-mb", "9223372036854775807"}, nil},
		{"negative page timeout", []string{"--render-page-timeout", "-1s"}, nil},
		{"renderer memory past its maximum", []string{"--render-memory-mb", "4096"}, nil},
		{"short callback timeout", []string{"--callback-timeout", "500ms", "--callback-lease", "1m"}, nil},
		{"negative pipeline lease", []string{"--pipeline-lease", "-1m"}, nil},
		{"short pipeline lease", nil, map[string]string{"SUBMIT_PIPELINE_LEASE": "100ms"}},
		{"negative pool size", []string{"--db-max-conns", "-1"}, nil},
		{"more idle than open", []string{"--db-max-conns", "4", "--db-idle-conns", "5"}, nil},
		{"more idle than the default open", nil, map[string]string{"SUBMIT_DB_IDLE_CONNS": "21"}},
		{"negative lifetime", []string{"--db-conn-max-lifetime", "-1h"}, nil},
		{"negative idle time", nil, map[string]string{"SUBMIT_DB_CONN_MAX_IDLE_TIME": "-1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parse(t, tc.args, tc.env); err == nil {
				t.Error("want an error")
			}
		})
	}
}

// TestPublicURLFromAddr: without --public-url, links point where Submit
// listens, not to a fixed port it may not be on.
func TestPublicURLFromAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:9090":  "http://localhost:9090",
		":9090":           "http://localhost:9090",
		"0.0.0.0:9090":    "http://localhost:9090",
		"[::]:9090":       "http://localhost:9090",
		"[::1]:9090":      "http://localhost:9090",
		"10.0.0.5:9090":   "http://10.0.0.5:9090",
		"[fd00::5]:9090":  "http://[fd00::5]:9090",
		"submit.lan:9090": "http://submit.lan:9090",
	} {
		c, err := parse(t, []string{"--addr", addr}, nil)
		if err != nil || c.PublicURL != want {
			t.Errorf("--addr %s: public URL %q, %v; want %q", addr, c.PublicURL, err, want)
		}
	}
	c, err := parse(t, []string{"--addr", "127.0.0.1:9090", "--public-url", "https://submit.example.com/"}, nil)
	if err != nil || c.PublicURL != "https://submit.example.com" {
		t.Errorf("a given public URL must win: %q, %v", c.PublicURL, err)
	}
}

func TestPublicURLMismatch(t *testing.T) {
	for _, tc := range []struct {
		public, listen string
		warn           bool
	}{
		{"http://localhost:8080", "127.0.0.1:8080", false},
		{"http://127.0.0.1:8080", "127.0.0.1:8080", false},
		{"http://submit.lan:8080", "[::]:8080", false},
		{"http://10.0.0.5", "10.0.0.5:80", false},
		{"https://10.0.0.5", "10.0.0.5:443", false},
		{"http://localhost:8080", "127.0.0.1:9090", true},
		{"https://submit.example.com", "127.0.0.1:8080", true},
		{"http://localhost:8080", "10.0.0.5:8080", true},
		{"http://10.0.0.6:8080", "10.0.0.5:8080", true},
	} {
		msg := PublicURLMismatch(tc.public, tc.listen)
		if (msg != "") != tc.warn {
			t.Errorf("%s on %s: warning %q, want one: %v", tc.public, tc.listen, msg, tc.warn)
		}
		if tc.warn && (!strings.Contains(msg, tc.public) || !strings.Contains(msg, "proxy")) {
			t.Errorf("the warning must name the links' address and the proxy case: %q", msg)
		}
	}
}
