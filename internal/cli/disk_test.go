package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeOnATroubledDisk: a data directory where the renderer's
// compilation cache cannot be made (a file stands in its way) still
// starts, saying so once in the log; and a disk with less free space than
// --min-free-disk-mb makes /readyz answer 503 with the reason, while
// /healthz stays 200.
func TestServeOnATroubledDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cache"), []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SUBMIT_DATA_DIR": dir, "SUBMIT_ADDR": freeAddr(t), "SUBMIT_LOG_LEVEL": "warn",
		"SUBMIT_MIN_FREE_DISK_MB": "1073741824", // 1 PiB: more than any disk has
	}
	s := startServe(t, env)
	status, body, err := s.await("/readyz", func(int) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "disk nearly full") {
		t.Errorf("/readyz = %d %q, want 503 saying the disk is nearly full", status, body)
	}
	if res, err := http.Get(s.base + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %v %v", err, res)
	} else {
		res.Body.Close()
	}
	if n := strings.Count(s.errb.String(), "compilation cache"); n != 1 {
		t.Errorf("the log mentions the compilation cache %d times, want once:\n%s", n, s.errb.String())
	}
}
