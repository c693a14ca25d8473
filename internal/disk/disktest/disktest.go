// Package disktest mounts small file systems for tests of what happens
// when a disk fills up or cannot be written.
package disktest

import (
	"os"
	"os/exec"
	"testing"

	"github.com/atomyx/submit/internal/disk"
	"github.com/atomyx/submit/internal/need"
)

// Tmpfs mounts a tmpfs of the given size ("40m") on a new directory and
// unmounts it when the test ends; options such as "ro" are added to the
// mount's. Mounting needs root: without it the test is skipped on a
// developer's machine, and fails under CI, where CI runs as root (see
// package need).
func Tmpfs(t *testing.T, size string, options ...string) string {
	t.Helper()
	dir := t.TempDir()
	opts := "size=" + size
	for _, o := range options {
		opts += "," + o
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		need.Missing(t, "cannot mount a tmpfs (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		// Lazily: a server's background goroutine may still be closing a
		// file in it when the test's other clean-ups have returned, and
		// the mount then goes once that file is closed.
		if out, err := exec.Command("umount", "--lazy", dir).CombinedOutput(); err != nil {
			t.Errorf("unmount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// Fill writes a file in dir until only about leave bytes are free on its
// file system, and returns the file's path: remove it to free the space.
func Fill(t *testing.T, dir string, leave int64) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "filler-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		free, err := disk.Free(dir)
		if err != nil {
			t.Fatal(err)
		}
		n := min(free-leave, int64(len(chunk)))
		if n <= 0 {
			return f.Name()
		}
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatalf("fill %s: %v", dir, err)
		}
	}
}
