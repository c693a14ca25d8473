package preflight

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/need"
)

// corpusFiles returns the PDFs in the folder sub of the shared corpus,
// which the test needs (internal/need).
func corpusFiles(t *testing.T, sub string) []string {
	t.Helper()
	dir := need.Corpus(t, sub)
	files, err := filepath.Glob(filepath.Join(dir, "*.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no PDFs in %s: the corpus is incomplete", dir)
	}
	return files
}

// tool runs a command and returns stdout; a failure returns ok false.
func tool(t *testing.T, name string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return out.String(), false
	}
	return out.String(), true
}

// setup returns an engine and the default profile.
func setup(t *testing.T) (*Engine, Profile) {
	t.Helper()
	e, err := New(Options{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	p, err := LoadProfile("default")
	if err != nil {
		t.Fatalf("LoadProfile: %v", err)
	}
	return e, p
}

func checkFile(t *testing.T, e *Engine, file string, p Profile, exp Expectations) *Report {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Check(context.Background(), f, st.Size(), p, exp)
	if err != nil {
		t.Fatalf("Check(%s): %v", file, err)
	}
	return rep
}

func checkBytes(t *testing.T, e *Engine, data []byte, p Profile, exp Expectations) *Report {
	t.Helper()
	rep, err := e.Check(context.Background(), bytes.NewReader(data), int64(len(data)), p, exp)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return rep
}

// popplerBoxes parses `pdfinfo -box -f 1 -l N`: page → box name → box.
func popplerBoxes(out string) (pages int, boxes map[int]map[string]Box) {
	boxes = map[int]map[string]Box{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "Pages:" {
			pages, _ = strconv.Atoi(f[1])
		}
		if len(f) != 7 || f[0] != "Page" || !strings.HasSuffix(f[2], "Box:") {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		var b Box
		for i := range 4 {
			b[i], _ = strconv.ParseFloat(f[3+i], 64)
		}
		if boxes[n] == nil {
			boxes[n] = map[string]Box{}
		}
		boxes[n][strings.TrimSuffix(f[2], ":")] = b
	}
	return pages, boxes
}

func sameBox(a, b Box) bool {
	for i := range a {
		if d := a[i] - b[i]; d > 0.01 || d < -0.01 {
			return false
		}
	}
	return true
}

func findingCodes(r *Report) []string {
	var out []string
	for _, f := range r.Errors {
		out = append(out, f.Code)
	}
	return out
}

func hasCode(r *Report, code string) *Finding {
	for i := range r.Errors {
		if r.Errors[i].Code == code {
			return &r.Errors[i]
		}
	}
	return nil
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
