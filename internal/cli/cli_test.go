package cli

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/atomyx/submit/internal/store/pgtest"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// run runs one command in-process with the given environment variables.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errb.String()
}

var liveKey = regexp.MustCompile(`^sk_live_[0-9A-Za-z]{44}\n$`)

func TestKeyCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SUBMIT_DATA_DIR": t.TempDir()}
	code, key, stderr := run(t, env, "", "key", "create", "--tenant", "acme", "--name", "erp")
	if code != 0 || !liveKey.MatchString(key) {
		t.Fatalf("key create: exit %d, stdout %q (must be the key alone), stderr %q", code, key, stderr)
	}
	code, test, _ := run(t, env, "", "key", "create", "--tenant", "acme", "--test")
	if code != 0 || !strings.HasPrefix(test, "sk_test_") {
		t.Fatalf("test key: %d %q", code, test)
	}
	code, list, _ := run(t, env, "", "key", "list", "--tenant", "acme")
	if code != 0 || !strings.Contains(list, key[:20]+"…") || !strings.Contains(list, "erp") || strings.Contains(list, key[20:44]) {
		t.Errorf("key list must show the start of each key and never the rest:\n%s", list)
	}
	code, out, stderr := run(t, env, "", "key", "revoke", "--tenant", "acme", key[:20])
	if code != 0 || !strings.Contains(out, "revoked") {
		t.Errorf("revoke: %d %q %q", code, out, stderr)
	}
	_, list, _ = run(t, env, "", "key", "list", "--tenant", "acme")
	lines := strings.Split(strings.TrimSpace(list), "\n")
	revoked := 0
	for _, l := range lines[1:] {
		if strings.HasSuffix(l, "Z") { // the REVOKED column holds a time
			revoked++
		}
	}
	if len(lines) != 3 || revoked != 1 {
		t.Errorf("after revoke, exactly one of two keys shows a revocation time:\n%s", list)
	}
	if code, _, stderr := run(t, env, "", "key", "revoke", "--tenant", "acme", "sk_live_nothere"); code != 1 || !strings.Contains(stderr, "no API key") {
		t.Errorf("revoke unknown: %d %q", code, stderr)
	}
	if code, _, stderr := run(t, env, "", "key", "create"); code != 1 || !strings.Contains(stderr, "--tenant") {
		t.Errorf("missing tenant: %d %q", code, stderr)
	}
}

func TestSecretCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SUBMIT_DATA_DIR": t.TempDir()}
	run(t, env, "", "key", "create", "--tenant", "acme")
	secret := regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=\n$`)
	_, first, _ := run(t, env, "", "secret", "show", "--tenant", "acme")
	_, again, _ := run(t, env, "", "secret", "show", "--tenant", "acme")
	if !secret.MatchString(first) || first != again {
		t.Fatalf("secret show: %q then %q", first, again)
	}
	_, rotated, _ := run(t, env, "", "secret", "rotate", "--tenant", "acme")
	_, shown, _ := run(t, env, "", "secret", "show", "--tenant", "acme")
	if !secret.MatchString(rotated) || rotated == first || shown != rotated {
		t.Errorf("rotate: first %q rotated %q shown %q", first, rotated, shown)
	}
	if code, _, stderr := run(t, env, "", "secret", "show", "--tenant", "nobody"); code != 1 || !strings.Contains(stderr, "nobody") {
		t.Errorf("unknown tenant: %d %q", code, stderr)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	if code, _, stderr := run(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("%d %q", code, stderr)
	}
}

// TestServe starts serve in-process on SQLite and on PostgreSQL, uses the key
// it prints, checks health, readiness and metrics, and shuts it down.
func TestServe(t *testing.T) {
	t.Parallel()
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"SUBMIT_DATA_DIR": t.TempDir(), "SUBMIT_ADDR": freeAddr(t), "SUBMIT_LOG_LEVEL": "warn"}
			if db == "postgres" {
				env["SUBMIT_DATABASE_URL"] = pgtest.URL(t)
			}
			serveAndUse(t, env)
		})
	}
}

func serveAndUse(t *testing.T, env map[string]string) {
	s := startServe(t, env)
	s.ready(t)
	key := regexp.MustCompile(`sk_live_[0-9A-Za-z]{44}`).FindString(s.out.String())
	if key == "" {
		t.Fatalf("serve printed no key:\n%s", s.out.String())
	}
	req, _ := http.NewRequest("POST", s.base+"/api/jobs", strings.NewReader(`{"externalId":"TEST-ORDER-10001"}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create job: %v %v", err, res)
	}
	res.Body.Close()
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/metrics": `submit_http_requests_total{route="POST /api/jobs",status="201"} 1`,
	} {
		res, err := http.Get(s.base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not contain %q", path, want)
		}
	}
	if code, err := s.stop(); err != nil || code != 0 {
		t.Fatalf("serve exited %d, %v: %s", code, err, s.errb.String())
	}
	// A second start on the same database makes no new tenant and prints no key.
	again := startServe(t, env)
	again.ready(t)
	if code, err := again.stop(); err != nil || code != 0 {
		t.Errorf("second serve exited %d, %v: %s", code, err, again.errb.String())
	}
	if strings.Contains(again.out.String(), "sk_live_") {
		t.Error("a second start printed a key again")
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
