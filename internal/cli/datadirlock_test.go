package cli

import (
	"strings"
	"testing"
)

// TestDataDirLock: a second server on a SQLite data directory is refused
// with words that say what to do; once the first lets go, it may start.
func TestDataDirLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), "another submit serve is using the data directory") ||
		!strings.Contains(err.Error(), "--database-url") {
		t.Fatalf("a second lock: %v, want a refusal that says what to do", err)
	}
	first.Close()
	again, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("the lock after the first server let go: %v", err)
	}
	again.Close()
}
