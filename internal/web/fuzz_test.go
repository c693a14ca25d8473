package web

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/id"
)

// FuzzTusID: whatever a request puts in the upload id, an id that passes
// isUploadIDOf names a file directly inside the upload directory (data and
// info), and every id newUploadID mints passes.
func FuzzTusID(f *testing.F) {
	const job = "ses_06h3ed3735wqr06ygzx8cgx330" // fixed, so that the corpus stays meaningful
	for _, s := range []string{
		newUploadID(job), job + "-", job + "-/../" + newUploadID(id.New(id.Job)), job + "-../../submit.db",
		job + "-" + strings.Repeat(".", 22), job + "-" + strings.Repeat("/", 22), newUploadID(job) + "/..",
		job + "-AAAAAAAAAAAAAAAAAAAAAB", job + "-AAAAAAAAAAAAAAAAAAAAA\\",
	} {
		f.Add(s)
	}
	dir := filepath.Join("data", "tus")
	f.Fuzz(func(t *testing.T, s string) {
		if minted := newUploadID(job); !isUploadIDOf(job, minted) {
			t.Fatalf("a minted id is refused: %q", minted)
		}
		if !isUploadIDOf(job, s) {
			return
		}
		for _, name := range []string{s, s + ".info"} {
			p := filepath.Join(dir, name)
			if filepath.Dir(p) != dir || filepath.Base(p) != name || strings.ContainsAny(name, `/\`) {
				t.Fatalf("accepted id %q leads to %q, outside %s", s, p, dir)
			}
		}
		if !strings.HasPrefix(s, job+"-") {
			t.Fatalf("accepted id %q of another job", s)
		}
	})
}
