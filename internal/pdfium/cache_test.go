package pdfium

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/disk/disktest"
)

// TestStartsWithoutAWritableCache: the compilation cache is an
// optimisation, so a pool whose cache cannot be written starts without it,
// renders, and says so once in the log: when the directory cannot be made
// (a file stands in its way), and when the cache's disk is full, which
// only the compilation finds out.
func TestStartsWithoutAWritableCache(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{
		"not a directory": filepath.Join(blocked, "cache"),
		"full disk":       disktest.Tmpfs(t, "1m"),
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			p, err := New(Options{CacheDir: dir, Workers: 1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer p.Close()
			data := squarePDF()
			if pages, err := p.Render(context.Background(), bytes.NewReader(data), int64(len(data)), []int{1}, 100); err != nil || len(pages) != 1 {
				t.Errorf("Render = %d pages, %v", len(pages), err)
			}
			if lines := strings.Split(strings.TrimSpace(logs.String()), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "compilation cache") {
				t.Errorf("log: %q, want one line about the compilation cache", logs.String())
			}
		})
	}
}
