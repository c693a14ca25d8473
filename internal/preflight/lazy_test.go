package preflight

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// writeImagePDF writes a PDF of pages pages, each showing one JPEG-coded
// image of imageBytes incompressible bytes. They are not a real JPEG: the
// ink check (the only reader of image data) reads the JPEG header, finds
// none and names the image as not measured, so the file stays unread.
func writeImagePDF(w io.Writer, pages, imageBytes int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	off := int64(0)
	var offs []int64
	put := func(s string) {
		n, _ := bw.WriteString(s)
		off += int64(n)
	}
	obj := func(body string) {
		offs = append(offs, off)
		put(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offs), body))
	}
	put("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	kids := ""
	for i := range pages {
		kids += fmt.Sprintf("%d 0 R ", 3+i*3)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, pages))
	rng := rand.NewChaCha8([32]byte{1})
	chunk := make([]byte, 1<<20)
	for i := range pages {
		content, img := 4+i*3, 5+i*3
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /XObject << /Im0 %d 0 R >> >> >>", content, img))
		draw := "q 595 0 0 842 0 0 cm /Im0 Do Q"
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(draw), draw))
		offs = append(offs, off)
		put(fmt.Sprintf("%d 0 obj\n<< /Type /XObject /Subtype /Image /Width 4000 /Height 3000 /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n", img, imageBytes))
		for left := imageBytes; left > 0; left -= len(chunk) {
			rng.Read(chunk)
			n, err := bw.Write(chunk[:min(left, len(chunk))])
			if err != nil {
				return err
			}
			off += int64(n)
		}
		put("\nendstream\nendobj\n")
	}
	xref := off
	put(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1))
	for _, o := range offs {
		put(fmt.Sprintf("%010d 00000 n\r\n", o))
	}
	put(fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref))
	return bw.Flush()
}

// Preflight reads a PDF lazily: for a 200 MB file of images it reads the
// dictionaries and content streams, not the image data. Counting the
// bytes read makes this a deterministic check of what used to be "the
// reader loads every stream into memory".
func TestPreflightReadsImageFilesLazily(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200 MB file")
	}
	t.Parallel()
	const pages, imageBytes = 20, 10 << 20
	path := filepath.Join(t.TempDir(), "images.pdf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := writeImagePDF(f, pages, imageBytes); err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	e, p := setup(t)
	r := &countingReaderAt{r: f}
	rep, err := e.Check(context.Background(), r, st.Size(), p, Expectations{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unusable() || rep.Pages != pages || len(rep.Inventory.Images) != pages {
		t.Fatalf("report: %d pages, %d images, findings %v", rep.Pages, len(rep.Inventory.Images), findingCodes(rep))
	}
	read := r.n.Load()
	t.Logf("read %d bytes of %d (%.3f%%)", read, st.Size(), float64(read)*100/float64(st.Size()))
	if read > st.Size()/100 {
		t.Errorf("read %d bytes of a %d-byte file: more than 1%%, so image data was read", read, st.Size())
	}
}
