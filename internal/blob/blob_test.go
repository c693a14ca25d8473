package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/blob/blobtest"
)

// stores returns every implementation, each fresh: the local disk and S3
// on a real S3-protocol server (gofakes3, in process) on loopback.
func stores(t *testing.T) map[string]Store {
	t.Helper()
	local, err := NewLocal(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	s3, err := Open(t.Context(), blobtest.S3(t, "prefix"), "", S3Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Store{"local": local, "s3": s3}
}

func TestStores(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			data := bytes.Repeat([]byte("0123456789"), 100_000)
			sum := sha256.Sum256(data)
			info, err := s.Put(ctx, "jobs/ses_1/av_1/original.pdf", bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if info.Size != int64(len(data)) || info.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Put = %+v", info)
			}
			f, err := s.Open(ctx, "jobs/ses_1/av_1/original.pdf")
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 10)
			if _, err := f.ReadAt(buf, 500_005); err != nil || string(buf) != "5678901234" {
				t.Errorf("ReadAt = %q, %v", buf, err)
			}
			all, _ := io.ReadAll(f)
			if f.Size() != int64(len(data)) || !bytes.Equal(all, data) {
				t.Errorf("read back %d bytes (Size %d), want %d", len(all), f.Size(), len(data))
			}
			f.Close()
			if err := s.Delete(ctx, "jobs/ses_1/av_1/original.pdf"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Open(ctx, "jobs/ses_1/av_1/original.pdf"); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open after Delete: %v, want ErrNotFound", err)
			}
			if err := s.Delete(ctx, "jobs/ses_1/av_1/original.pdf"); err != nil {
				t.Errorf("second Delete: %v", err)
			}
			for _, bad := range []string{"", "/etc/passwd", "../x", "a/../../x", `a\b`} {
				if _, err := s.Put(ctx, bad, strings.NewReader("x")); err == nil {
					t.Errorf("Put(%q) accepted", bad)
				}
			}
		})
	}
}

// failingReader yields some bytes, then an error.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

// TestPutFailureLeavesNothing: a body that fails half-way stores nothing,
// not even a short file.
func TestPutFailureLeavesNothing(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			if _, err := s.Put(ctx, "a/b.pdf", &failingReader{n: 5000}); err == nil {
				t.Fatal("Put of a failing body succeeded")
			}
			if _, err := s.Open(ctx, "a/b.pdf"); !errors.Is(err, ErrNotFound) {
				t.Errorf("after a failed Put: %v, want ErrNotFound", err)
			}
			if l, ok := s.(*Local); ok {
				left, _ := filepath.Glob(filepath.Join(l.root, "a", "*"))
				if len(left) != 0 {
					t.Errorf("temporary files left: %v", left)
				}
			}
		})
	}
}

// TestKeysStayInside: a key that could leave the store's root, or that
// names a directory, is refused by every method, and a file next to the
// local root survives a Delete aimed at it.
func TestKeysStayInside(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			for _, bad := range []string{"..", "../outside", "a/..", "a/../b", "a/../../outside", "./a", "a/./b", "a//b", "a/", ".",
				"a\x00b", "a\nb", "/a"} {
				if _, err := s.Put(ctx, bad, strings.NewReader("x")); err == nil {
					t.Errorf("Put(%q) accepted", bad)
				}
				if _, err := s.Open(ctx, bad); err == nil || errors.Is(err, ErrNotFound) {
					t.Errorf("Open(%q) = %v, want a refusal", bad, err)
				}
				if err := s.Delete(ctx, bad); err == nil {
					t.Errorf("Delete(%q) accepted", bad)
				}
			}
			if l, ok := s.(*Local); ok {
				outside := filepath.Join(filepath.Dir(l.root), "outside")
				if err := os.WriteFile(outside, []byte("keep"), 0o600); err != nil {
					t.Fatal(err)
				}
				_ = s.Delete(ctx, "../outside")
				if _, err := os.Stat(outside); err != nil {
					t.Errorf("a file outside the root: %v", err)
				}
			}
		})
	}
}

// TestDeletePrefix: a job's folder goes whole, across S3's 1,000-key pages,
// and nothing beside it goes with it, not even a folder whose name starts
// the same way.
func TestDeletePrefix(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			gone := []string{"jobs/ses_1/av_1/original.pdf", "jobs/ses_1/av_1/proof/pages.json", "jobs/ses_1/av_2/preflight.json"}
			pages := 3
			if name == "s3" {
				pages = 1001 // past one page of S3's listing
			}
			for i := range pages {
				gone = append(gone, fmt.Sprintf("jobs/ses_1/av_1/proof/page-%04d.jpg", i+1))
			}
			kept := []string{"jobs/ses_10/av_1/original.pdf", "jobs/ses_2/av_1/original.pdf", "jobs/ses_1.pdf"}
			for _, k := range append(slices.Clone(gone), kept...) {
				if _, err := s.Put(ctx, k, strings.NewReader(k)); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.DeletePrefix(ctx, "jobs/ses_1/"); err != nil {
				t.Fatal(err)
			}
			for i, k := range gone {
				if i > 3 && i%100 != 0 && i != len(gone)-1 {
					continue // a sample: Open on S3 is a download each
				}
				if _, err := s.Open(ctx, k); !errors.Is(err, ErrNotFound) {
					t.Fatalf("%s after DeletePrefix: %v, want ErrNotFound", k, err)
				}
			}
			for _, k := range kept {
				f, err := s.Open(ctx, k)
				if err != nil {
					t.Errorf("%s beside the prefix: %v", k, err)
					continue
				}
				f.Close()
			}
			if l, ok := s.(*Local); ok {
				if _, err := os.Stat(filepath.Join(l.root, "jobs", "ses_1")); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("the job's folder is left on disk: %v", err)
				}
			}
			if err := s.DeletePrefix(ctx, "jobs/ses_1/"); err != nil {
				t.Errorf("DeletePrefix of nothing: %v", err)
			}
			for _, bad := range []string{"", "/", "jobs", "../", "jobs/../", "/jobs/", "jobs//"} {
				if err := s.DeletePrefix(ctx, bad); err == nil {
					t.Errorf("DeletePrefix(%q) accepted", bad)
				}
			}
			for _, k := range kept {
				f, err := s.Open(ctx, k)
				if err != nil {
					t.Errorf("%s after the refused prefixes: %v", k, err)
					continue
				}
				f.Close()
			}
		})
	}
}
