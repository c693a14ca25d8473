package callback

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/id"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/store/storetest"
	"github.com/atomyx/submit/pkg/webhook"
)

const docsPath = "../../docs/callbacks.md"

// TestDocsShowTheTestedCode keeps docs/callbacks.md equal to the code the
// tests run: the Node.js and Python snippets, and the Go receiver compiled
// in pkg/webhook.
func TestDocsShowTheTestedCode(t *testing.T) {
	t.Parallel()
	docs := readFile(t, docsPath)
	for _, c := range []struct{ lang, file string }{
		{"js", "../../docs/snippets/verify.js"},
		{"python", "../../docs/snippets/verify.py"},
	} {
		if block := "```" + c.lang + "\n" + readFile(t, c.file) + "```\n"; !strings.Contains(docs, block) {
			t.Errorf("docs/callbacks.md does not show %s verbatim in a ```%s block", c.file, c.lang)
		}
	}
	example := readFile(t, "../../pkg/webhook/example_test.go")
	_, rest, ok1 := strings.Cut(example, "// docs:begin receiver\n")
	goCode, _, ok2 := strings.Cut(rest, "\n// docs:end")
	if !ok1 || !ok2 {
		t.Fatal("pkg/webhook/example_test.go lacks the docs:begin receiver / docs:end markers")
	}
	if !strings.Contains(docs, "```go\n"+goCode+"```\n") {
		t.Error("docs/callbacks.md does not show the Go receiver of pkg/webhook/example_test.go verbatim")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snippetCase is one callback for the snippets to check, as the harnesses
// in testdata read it.
type snippetCase struct {
	Name      string   `json:"-"`
	Secrets   []string `json:"secrets"`
	Signature string   `json:"signature"`
	Timestamp string   `json:"timestamp"`
	Body      string   `json:"body"` // base64
	Tolerance int      `json:"tolerance"`
	Want      error    `json:"-"` // nil for ok
}

// TestDocsSnippetsVerify runs the Node.js and Python code of the docs with
// node and python3 on a callback that the worker really sent during a
// secret rotation, and on broken copies of it. Each case must give the same
// verdict as pkg/webhook.
func TestDocsSnippetsVerify(t *testing.T) {
	t.Parallel()
	cases := snippetCases(t)
	for _, lang := range []struct{ name, program, snippet, harness, file string }{
		{"node", "node", "../../docs/snippets/verify.js", "testdata/harness.js", "verify.js"},
		{"python", "python3", "../../docs/snippets/verify.py", "testdata/harness.py", "verify.py"},
	} {
		t.Run(lang.name, func(t *testing.T) {
			t.Parallel()
			bin := need.Tool(t, lang.program)
			script := filepath.Join(t.TempDir(), lang.file)
			if err := os.WriteFile(script, []byte(readFile(t, lang.snippet)+readFile(t, lang.harness)), 0o600); err != nil {
				t.Fatal(err)
			}
			input, _ := json.Marshal(cases)
			cmd := exec.CommandContext(t.Context(), bin, script)
			cmd.Stdin = strings.NewReader(string(input))
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", lang.program, script, err, stderrOf(err))
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) != len(cases) {
				t.Fatalf("%d lines of output for %d cases:\n%s", len(lines), len(cases), out)
			}
			for i, c := range cases {
				want := "ok"
				if c.Want != nil {
					want = "error: " + snippetMessage[c.Want]
				}
				if lines[i] != want {
					t.Errorf("%s: %q, want %q", c.Name, lines[i], want)
				}
			}
		})
	}
}

// snippetMessage is what the snippets say for each of pkg/webhook's errors.
var snippetMessage = map[error]string{
	webhook.ErrNoSignature:        "missing X-Atomyx-Signature header",
	webhook.ErrMalformedTimestamp: "malformed X-Atomyx-Timestamp header",
	webhook.ErrNoMatch:            "no signature matches",
	webhook.ErrTooOld:             "timestamp too old",
	webhook.ErrInFuture:           "timestamp in the future",
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// snippetCases has the worker deliver one event during a secret rotation
// and builds the cases from the request the receiver got. It checks each
// case with pkg/webhook too, so that all three agree.
func snippetCases(t *testing.T) []snippetCase {
	t.Helper()
	st := storetest.SQLite(t)
	rc := newReceiver(t, ok)
	tn := newTenant(t, st)
	now := time.Now().UTC()
	newSecret := webhook.NewSecret()
	err := st.RotateSigningSecret(t.Context(), store.RotateSecretParams{
		New:          store.SigningSecret{ID: id.NewAt(id.Secret, now), TenantID: tn.ID, Secret: newSecret, CreatedAt: now},
		OldExpiresAt: now.Add(24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, testConfig(st, &syncBuffer{}))
	j := newJob(t, st, tn.ID, rc.URL)
	j.ExternalID = "Überdruck-Ä€-注文" // non-ASCII bytes in the signed body
	move(t, st, j, job.Uploaded, 3)
	w.Notify()
	waitFor(t, "the callback", func() bool { return len(rc.requests()) == 1 })
	r := rc.requests()[0]
	sig, ts := r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp)
	if strings.Count(sig, "sha256=") != 2 {
		t.Fatalf("during a rotation the signature header has two entries, got %q", sig)
	}
	body := r.Body
	old := webhook.FormatTimestamp(now.Add(-10 * time.Minute))
	future := webhook.FormatTimestamp(now.Add(10 * time.Minute))
	b64 := base64.StdEncoding.EncodeToString
	cases := []snippetCase{
		{Name: "old secret during the rotation", Secrets: []string{tn.Secret}, Signature: sig, Timestamp: ts, Body: b64(body)},
		{Name: "new secret during the rotation", Secrets: []string{newSecret}, Signature: sig, Timestamp: ts, Body: b64(body)},
		{Name: "unrelated secret", Secrets: []string{webhook.NewSecret()}, Signature: sig, Timestamp: ts, Body: b64(body), Want: webhook.ErrNoMatch},
		{Name: "secret without prefix", Secrets: []string{strings.TrimPrefix(newSecret, "whsec_")}, Signature: sig, Timestamp: ts, Body: b64(body), Want: webhook.ErrNoMatch},
		{Name: "body changed", Secrets: []string{newSecret}, Signature: sig, Timestamp: ts, Body: b64(append(body, '\n')), Want: webhook.ErrNoMatch},
		{Name: "no signature", Secrets: []string{newSecret}, Signature: "", Timestamp: ts, Body: b64(body), Want: webhook.ErrNoSignature},
		{Name: "timestamp not RFC 3339", Secrets: []string{newSecret}, Signature: sig, Timestamp: "yesterday", Body: b64(body), Want: webhook.ErrMalformedTimestamp},
		{Name: "too old", Secrets: []string{newSecret}, Signature: webhook.Signature(newSecret, old, body), Timestamp: old, Body: b64(body), Want: webhook.ErrTooOld},
		{Name: "in the future", Secrets: []string{newSecret}, Signature: webhook.Signature(newSecret, future, body), Timestamp: future, Body: b64(body), Want: webhook.ErrInFuture},
	}
	for i := range cases {
		c := &cases[i]
		c.Tolerance = 300
		b, _ := base64.StdEncoding.DecodeString(c.Body)
		v := webhook.Verifier{Secrets: c.Secrets}
		if err := v.Verify(c.Signature, c.Timestamp, b); !errors.Is(err, c.Want) && (c.Want != nil || err != nil) {
			t.Fatalf("%s: pkg/webhook says %v, want %v", c.Name, err, c.Want)
		}
	}
	return cases
}
