package cli

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweepTemp: at start, temporary files older than any step are
// removed (a proof's PDF left by a kill -9), newer ones and directories
// are kept.
func TestSweepTemp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	write := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := write("submit-proof-1.pdf", 3*time.Hour)
	fresh := write("submit-put-2", 10*time.Minute)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	sweepTemp(dir, 90*time.Minute, now, slog.New(slog.NewTextHandler(&logs, nil)))
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale file is still there (%v)", err)
	}
	for _, p := range []string{fresh, filepath.Join(dir, "sub")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if !bytes.Contains(logs.Bytes(), []byte("files=1")) {
		t.Errorf("the sweep did not log what it removed: %s", logs.String())
	}
}
