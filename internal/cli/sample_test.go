package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSamplePDFPassesPreflight: the sample the README uploads passes the
// default profile, in both sizes, so the walk-through reaches the proof.
func TestSamplePDFPassesPreflight(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{{}, {"--size", "letter", "--pages", "2"}} {
		var pdf, errb bytes.Buffer
		if code := Main(context.Background(), append([]string{"sample", "pdf"}, args...), Env{Stdout: &pdf, Stderr: &errb}); code != 0 {
			t.Fatalf("sample pdf %v: exit %d, %s", args, code, errb.String())
		}
		file := filepath.Join(dir, "sample.pdf")
		if err := os.WriteFile(file, pdf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := run(t, nil, "", "preflight", file)
		if code != 0 || !strings.Contains(out, "passed") {
			t.Errorf("preflight of sample pdf %v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
}

// TestSampleUsage: a wrong size, page count or word says what to give.
func TestSampleUsage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sample"}, "say what to write: pdf"},
		{[]string{"sample", "pdf", "--size", "a3"}, `--size "a3": give a4 or letter`},
		{[]string{"sample", "pdf", "--pages", "0"}, "--pages 0: give 1 to 100"},
		{[]string{"sample", "pdf", "out.pdf"}, "submit sample pdf > sample.pdf"},
	} {
		code, out, stderr := run(t, nil, "", c.args...)
		if code != 2 || out != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want 2, nothing, %q", c.args, code, len(out), stderr, c.want)
		}
	}
}
