package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/sqlite"
	"github.com/atomyx/submit/internal/vault"
	"github.com/atomyx/submit/internal/workflow"
	"github.com/atomyx/submit/pkg/webhook"
)

// receiver is a real callback receiver on loopback that verifies every
// signature and counts each event id it is sent.
type receiver struct {
	mu       sync.Mutex
	secret   string
	got      map[string]int
	requests int
	bad      int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	v := webhook.Verifier{Secrets: []string{rc.secret}}
	if err := v.Verify(r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), body); err != nil {
		rc.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(body, &p)
	rc.got[p.EventID]++
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) distinct() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// TestCrashDeliversEveryEvent kills `submit serve` with SIGKILL in the middle
// of a burst of 1,000 events, starts it again, and checks that the receiver
// gets every event id at least once. It reports how many arrived twice. The
// events are recorded by this process through the store, as a second
// process sharing the database would: that is the outbox at work.
func TestCrashDeliversEveryEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and waits for a lease to run out")
	}
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	bin := filepath.Join(dir, "submit")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/atomyx/submit/cmd/submit").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dataDir := filepath.Join(dir, "data")

	// The test's own handle on the database, as a second process.
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, "submit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	v := vault.New(db)
	tn, _, err := v.EnsureTenant(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := v.ActiveSecret(ctx, tn.ID)
	rc := &receiver{secret: secret, got: map[string]int{}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	if err := db.UpdateTenantSettings(ctx, tn.ID, store.TenantSettings{CallbackURL: srv.URL + "/hooks"}); err != nil {
		t.Fatal(err)
	}

	// One preflight_failed event per job: a callback event in a status that
	// the server's pipeline leaves alone. (Uploaded then preflighting made
	// the pipeline race the test: it moved some jobs on itself, and the
	// test's own transition was refused.)
	const jobs, perJob = 1000, 1
	flow := &workflow.Service{Store: db, Now: time.Now, Attempts: 7}
	ids := make([]string, jobs)
	for i := range ids {
		j := flow.NewJob(workflow.NewJobParams{TenantID: tn.ID, Livemode: true, ExternalID: "CRASH"})
		if err := flow.CreateJob(ctx, j, nil); err != nil {
			t.Fatal(err)
		}
		ids[i] = j.ID
	}

	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--addr", freeAddr(t), "--allow-insecure-urls",
			"--callback-retry-schedule", "0s,1s,2s,3s,4s,5s,6s", "--callback-timeout", "1s", "--callback-lease", "2s",
			"--log-level", "warn")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	server := start()

	// Record the burst while the server delivers; kill it a third of the way.
	recorded := make(chan string, jobs*perJob)
	go func() {
		defer close(recorded)
		for _, to := range []job.Status{job.PreflightFailed} {
			for _, id := range ids {
				ev, err := flow.Transition(ctx, workflow.Change{TenantID: tn.ID, JobID: id, To: to})
				if err != nil {
					t.Error(err)
					return
				}
				recorded <- ev.ID
			}
		}
	}()
	waitUntil(t, 60*time.Second, func() bool { return rc.distinct() >= 300 })
	if err := server.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = server.Wait()
	before := rc.distinct()
	server = start()
	defer func() { _ = server.Process.Kill(); _ = server.Wait() }()

	var want []string
	for id := range recorded {
		want = append(want, id)
	}
	if len(want) != jobs*perJob {
		t.Fatalf("recorded %d events, want %d", len(want), jobs*perJob)
	}
	// Deliveries the killed process held come back when their lease (two
	// seconds here, --callback-lease) runs out.
	waitUntil(t, 3*time.Minute, func() bool { return rc.distinct() == len(want) })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	dups := 0
	for _, id := range want {
		if rc.got[id] == 0 {
			t.Errorf("event %s never arrived", id)
		}
		dups += rc.got[id] - 1
	}
	if rc.bad > 0 {
		t.Errorf("%d callbacks had a bad signature", rc.bad)
	}
	t.Logf("SIGKILL after %d of %d events had arrived; after restart all %d arrived, %d of them twice (%d requests in all)",
		before, len(want), len(rc.got), dups, rc.requests)
}

func waitUntil(t *testing.T, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
