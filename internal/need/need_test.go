package need

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// helperEnv makes TestHelper ask for the thing it names, in a child
// process that TestPolicy starts with or without CI.
const helperEnv = "NEED_TEST_HELPER"

// TestPolicy runs a test whose requirement is missing, once as on a
// developer's machine and once under CI: the first skips with the reason,
// the second fails with it.
func TestPolicy(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ what, reason string }{
		{"tool", "no-such-program-7f3a, which is not installed"},
		{"postgres", "PostgreSQL tests need " + DatabaseEnv},
		{"corpus", "the shared corpus is not at /nonexistent/corpus"},
		{"missing", "the disk is not there"},
	} {
		for _, ci := range []string{"", "false", "true", "1"} {
			t.Run(tt.what+"/CI="+ci, func(t *testing.T) {
				t.Parallel()
				cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelper$", "-test.v")
				cmd.Env = append(os.Environ(), helperEnv+"="+tt.what, "CI="+ci, DatabaseEnv+"=", CorpusEnv+"=/nonexistent/corpus")
				out, err := cmd.CombinedOutput()
				failed := err != nil
				wantFail := ci == "true" || ci == "1"
				if failed != wantFail || !strings.Contains(string(out), tt.reason) {
					t.Fatalf("failed %v (%v), want %v, with %q:\n%s", failed, err, wantFail, tt.reason, out)
				}
				if !wantFail && !strings.Contains(string(out), "--- SKIP: TestHelper") {
					t.Fatalf("not skipped:\n%s", out)
				}
			})
		}
	}
}

// TestHelper is the test TestPolicy runs in a child process.
func TestHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		return // not in a child of TestPolicy
	case "tool":
		Tool(t, "no-such-program-7f3a")
	case "postgres":
		Postgres(t)
	case "corpus":
		Corpus(t)
	case "missing":
		Missing(t, "the disk is not there")
	}
	t.Error("the test went on without what it needs")
}

// TestFound: what is there is returned, and the test goes on.
func TestFound(t *testing.T) {
	t.Setenv(DatabaseEnv, "postgres://example/test")
	t.Setenv(CorpusEnv, t.TempDir())
	if got := Postgres(t); got != "postgres://example/test" {
		t.Errorf("Postgres = %q", got)
	}
	if got := Tool(t, "go"); got == "" {
		t.Error("Tool(go) is empty")
	}
	if got := Corpus(t); got != os.Getenv(CorpusEnv) {
		t.Errorf("Corpus = %q, want %q", got, os.Getenv(CorpusEnv))
	}
}
