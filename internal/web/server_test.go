package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/cli"
	"github.com/atomyx/submit/pkg/webhook"
)

// server is a real `submit serve`, started through the same command the
// binary runs: SQLite and files in a temporary directory, the pipeline
// and the callback worker included.
type server struct {
	base   string
	key    string // the bootstrap tenant's live API key
	secret string // its callback signing secret
	log    *syncBuffer
}

// syncBuffer collects the server's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var liveKey = regexp.MustCompile(`sk_live_[A-Za-z0-9_-]+`)

func startServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{base: "http://" + addr, log: &syncBuffer{}}
	out := &syncBuffer{}
	env := cli.Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: s.log, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--data-dir", dir, "--addr", addr, "--public-url", s.base,
			"--allow-insecure-urls", "--callback-retry-schedule", "0s,1s,2s"}, env)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("server log:\n%s", s.log.String())
		}
	})
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("submit serve exited with %d:\n%s", code, s.log.String())
		default:
		}
		if time.Since(start) > 3*time.Minute { // PDFium compiles at start: slow under -race
			t.Fatalf("submit serve did not become ready:\n%s", s.log.String())
		}
	}
	s.key = liveKey.FindString(out.String())
	if s.key == "" {
		t.Fatalf("no API key in the first start's output:\n%s", out.String())
	}
	var secret bytes.Buffer
	if code := cli.Main(context.Background(), []string{"secret", "show", "--tenant", "default", "--data-dir", dir},
		cli.Env{Stdout: &secret, Stderr: s.log, Getenv: env.Getenv}); code != 0 {
		t.Fatalf("submit secret show: exit %d", code)
	}
	s.secret = strings.TrimSpace(secret.String())
	return s
}

// api calls the REST API with the server's key and decodes the answer.
func (s *server) api(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer "+s.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v %v", method, path, resp.StatusCode, out, err)
	}
	return out
}

// callback is one delivery the receiver got.
type callback struct {
	Event    string
	Body     map[string]any
	Verified error
}

// receiver is the ERP's callback endpoint on loopback: it records every
// delivery and checks its signature with the public webhook package.
type receiver struct {
	url    string
	secret func() string
	mu     sync.Mutex
	got    []callback
}

func newReceiver(t *testing.T, secret func() string) *receiver {
	rc := &receiver{secret: secret}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(body, &m)
		err := webhook.Verify(rc.secret(), r.Header.Get("X-Atomyx-Signature"), r.Header.Get("X-Atomyx-Timestamp"), body)
		rc.mu.Lock()
		rc.got = append(rc.got, callback{Event: r.Header.Get("X-Atomyx-Event"), Body: m, Verified: err})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	rc.url = srv.URL + "/hooks/submit"
	return rc
}

// events waits until the job's callbacks include last, then returns their
// event types in sequence order.
func (rc *receiver) events(t *testing.T, jobID, last string) []callback {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		var mine []callback
		seen := false
		for _, c := range rc.got {
			if c.Body["session_id"] == jobID {
				mine = append(mine, c)
				seen = seen || c.Event == last
			}
		}
		rc.mu.Unlock()
		if seen {
			sortBySequence(mine)
			return mine
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s callback for %s; got %v", last, jobID, types(mine))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sortBySequence(cs []callback) {
	seq := func(c callback) float64 { f, _ := c.Body["sequence"].(float64); return f }
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && seq(cs[j]) < seq(cs[j-1]); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

func types(cs []callback) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Event)
	}
	return out
}

// checkCallbacks compares the received event types with want and checks
// that every delivery was signed with the tenant's secret.
func checkCallbacks(t *testing.T, got []callback, want ...string) {
	t.Helper()
	if fmt.Sprint(types(got)) != fmt.Sprint(want) {
		t.Errorf("callbacks %v, want %v", types(got), want)
	}
	for _, c := range got {
		if c.Verified != nil {
			t.Errorf("%s callback does not verify: %v", c.Event, c.Verified)
		}
	}
}
