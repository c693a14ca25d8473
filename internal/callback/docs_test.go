package callback

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// TestDocsExampleFiles: every example event in docs/api.md,
// docs/callbacks.md and the OpenAPI document links only the files that
// docs/pipeline.md's table lists for its event type, the files the
// pipeline attaches (pipeline tests check the code against the same
// kinds). A preflight_failed example once showed a processed_pdf.
func TestDocsExampleFiles(t *testing.T) {
	t.Parallel()
	allowed := pipelineFileKinds(t)
	n := 0
	check := func(where string, v any) {
		walkEvents(v, func(typ string, files map[string]any) {
			n++
			kinds, ok := allowed[typ]
			if !ok && len(files) > 0 {
				t.Errorf("%s: a %s event has files %v; docs/pipeline.md lists none for it", where, typ, files)
			}
			for kind := range files {
				if !kinds[kind] {
					t.Errorf("%s: a %s event has a %s file; docs/pipeline.md lists %v", where, typ, kind, kinds)
				}
			}
		})
	}
	for _, path := range []string{"../../docs/api.md", docsPath} {
		for _, block := range strings.Split(readFile(t, path), "```json\n")[1:] {
			block, _, _ = strings.Cut(block, "```")
			if !strings.Contains(block, `"event_type"`) {
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(block), &v); err != nil {
				t.Errorf("%s: an example event is not JSON: %v\n%s", path, err, block)
				continue
			}
			check(path, v)
		}
	}
	var doc any
	if err := json.Unmarshal([]byte(readFile(t, "../api/openapi.json")), &doc); err != nil {
		t.Fatal(err)
	}
	check("openapi.json", doc)
	if n < 4 {
		t.Errorf("only %d example events found", n)
	}
}

// walkEvents calls fn for every object in v with an event_type and files.
func walkEvents(v any, fn func(typ string, files map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		typ, _ := v["event_type"].(string)
		if files, ok := v["files"].(map[string]any); ok && typ != "" {
			fn(typ, files)
		}
		for _, x := range v {
			walkEvents(x, fn)
		}
	case []any:
		for _, x := range v {
			walkEvents(x, fn)
		}
	}
}

// pipelineFileKinds reads the events table of docs/pipeline.md: the file
// kinds in backquotes of each row's third column, "all four" meaning
// every kind.
func pipelineFileKinds(t *testing.T) map[string]map[string]bool {
	t.Helper()
	all := map[string]bool{"original_pdf": true, "processed_pdf": true, "preflight_report": true, "proof": true}
	kindRE := regexp.MustCompile("`([a-z_]+)`")
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(readFile(t, "../../docs/pipeline.md"), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		event := strings.Trim(strings.TrimSpace(cells[1]), "`")
		kinds := map[string]bool{}
		if strings.Contains(cells[3], "all four") {
			kinds = all
		}
		for _, m := range kindRE.FindAllStringSubmatch(cells[3], -1) {
			if !all[m[1]] {
				t.Fatalf("docs/pipeline.md: %s lists a file kind %q", event, m[1])
			}
			kinds[m[1]] = true
		}
		out[event] = kinds
	}
	if len(out["proof_generated"]) != 4 {
		t.Fatalf("docs/pipeline.md's events table not found, or proof_generated lacks files: %v", out)
	}
	return out
}
