// Package need is the tests' one policy for what a machine may lack:
// PostgreSQL, Chromium, axe-core, poppler, qpdf, Ghostscript, the shared
// corpus of PDFs, root. A test asks for what it needs here. On a
// developer's machine a missing thing skips the test, with the reason and
// how to get it; under CI (CI=true) it fails the test, because CI installs
// everything and a skip there would hide a test that never ran. It is
// imported by tests only.
package need

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// DatabaseEnv names the environment variable that holds the URL of the test
// database, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const DatabaseEnv = "SUBMIT_TEST_DATABASE_URL"

// CorpusEnv names the environment variable that points to the shared corpus
// when it is not at ../shared/corpus next to the module (in a worktree, say).
const CorpusEnv = "SUBMIT_TEST_CORPUS"

// ChromiumPath is Debian's Chromium. The browser tests drive it and never
// download a browser of their own.
const ChromiumPath = "/usr/bin/chromium"

// packages names the Debian package of each program tests run, for the
// message that says how to get it.
var packages = map[string]string{
	"pdfinfo": "poppler-utils", "pdfimages": "poppler-utils", "pdffonts": "poppler-utils",
	"pdftoppm": "poppler-utils", "qpdf": "qpdf", "gs": "ghostscript",
	"node": "nodejs", "python3": "python3",
}

// CI reports whether the tests run under CI, where the CI variable is true
// (CI=true, or 1).
func CI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// Missing ends the test because something it needs is missing: skipped,
// with why, on a developer's machine; failed under CI.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatal(msg + " (CI=true: a missing requirement fails the test)")
	}
	t.Skip(msg)
}

// Postgres returns the URL of the test database, from SUBMIT_TEST_DATABASE_URL.
// Tests take a schema of their own in it through pgtest, not this URL.
func Postgres(t testing.TB) string {
	t.Helper()
	url := os.Getenv(DatabaseEnv)
	if url == "" {
		Missing(t, "PostgreSQL tests need %s, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable", DatabaseEnv)
	}
	return url
}

// Tool returns the path of program, looked up in PATH.
func Tool(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		how := ""
		if pkg, ok := packages[program]; ok {
			how = " (apt-get install " + pkg + ")"
		}
		Missing(t, "this test runs %s, which is not installed%s: %v", program, how, err)
	}
	return path
}

// Chromium returns the path of the Chromium the browser tests drive.
func Chromium(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(ChromiumPath); err != nil {
		Missing(t, "browser tests need Chromium at %s (apt-get install chromium): %v", ChromiumPath, err)
	}
	return ChromiumPath
}

// AxeCore returns the path of axe-core's axe.min.js, which the browser
// tests inject into pages to check them against WCAG. It comes from npm,
// pinned by package-lock.json in internal/browsertest/axe, so that every
// machine checks with the same rules; .ci/run installs it with npm ci.
func AxeCore(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(moduleRoot(t), "internal", "browsertest", "axe")
	path := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(path); err != nil {
		Missing(t, "the accessibility tests need axe-core (cd %s && npm ci): %v", dir, err)
	}
	return path
}

// Corpus returns the folder of the shared corpus of PDFs, joined with
// elems: SUBMIT_TEST_CORPUS when set, else ../shared/corpus relative to
// the module's root (the folder of go.mod).
func Corpus(t testing.TB, elems ...string) string {
	t.Helper()
	dir := os.Getenv(CorpusEnv)
	if dir == "" {
		dir = filepath.Join(moduleRoot(t), "..", "shared", "corpus")
	}
	dir = filepath.Join(append([]string{dir}, elems...)...)
	if _, err := os.Stat(dir); err != nil {
		Missing(t, "the shared corpus is not at %s (clone it next to the repository, or set %s): %v", dir, CorpusEnv, err)
	}
	return dir
}

// moduleRoot returns the folder of go.mod, found upwards from the test's
// working directory (its package's folder).
func moduleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("need: no go.mod above the test's folder")
		}
		dir = parent
	}
}
