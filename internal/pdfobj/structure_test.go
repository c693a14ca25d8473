package pdfobj

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/need"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

func open(t *testing.T, data []byte) *Doc {
	t.Helper()
	d, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return d
}

// content returns page 1's decoded content.
func content(t *testing.T, d *Doc) string {
	t.Helper()
	root, err := d.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	pages := pageDicts(root, ours(d))
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	sd, err := d.DereferenceStreamDict(pages[0]["Contents"])
	if err != nil || sd == nil {
		t.Fatalf("contents: %v", err)
	}
	data, err := d.Decode(sd, 1<<20)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return string(data)
}

func TestStructures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pdf      func() []byte
		content  string
		repaired bool
	}{
		{"classic table", func() []byte { return minimalPDF() }, "0 0 m 10 10 l S", false},
		{"junk before the header", func() []byte {
			return append([]byte("garbage from a mail gateway\r\n"), minimalPDF()...)
		}, "0 0 m 10 10 l S", false},
		{"xref stream and object stream", func() []byte {
			p := newPDF()
			p.objStm(5, []int{1, 2, 3}, map[int]string{
				1: "<< /Type /Catalog /Pages 2 0 R >>",
				2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
			})
			p.stream(4, "", []byte("compressed objects"))
			p.xrefStream(6, "/Root 1 0 R", true)
			return p.bytes()
		}, "compressed objects", false},
		{"hybrid file", func() []byte {
			p := newPDF()
			p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			p.objStm(5, []int{2, 3}, map[int]string{
				2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
				3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
			})
			p.stream(4, "", []byte("hybrid"))
			xs := p.xrefStream(6, "", false)
			p.table([]int{1, 4, 5}, fmt.Sprintf("/Size 7 /Root 1 0 R /XRefStm %d", xs))
			return p.bytes()
		}, "hybrid", false},
		{"incremental update: newest wins", func() []byte {
			p := newPDF()
			p.onePage("old")
			first := p.table(nil, "/Size 5 /Root 1 0 R")
			p.stream(4, "", []byte("new"))
			p.table([]int{4}, fmt.Sprintf("/Size 5 /Root 1 0 R /Prev %d", first))
			return p.bytes()
		}, "new", false},
		{"wrong /Length", func() []byte {
			p := newPDF()
			p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
			p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
			p.stream(4, "/Length 3", []byte("longer than three"))
			p.table(nil, "/Size 5 /Root 1 0 R")
			return p.bytes()
		}, "longer than three", false},
		{"indirect /Length", func() []byte {
			p := newPDF()
			p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
			p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
			p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
			p.stream(4, "/Length 5 0 R", []byte("indirect"))
			p.obj(5, "8")
			p.table(nil, "/Size 6 /Root 1 0 R")
			return p.bytes()
		}, "indirect", false},
		{"broken xref is rebuilt", func() []byte {
			data := minimalPDF()
			i := bytes.LastIndex(data, []byte("xref"))
			return append(data[:i:i], []byte("xrfe\nrubbish\nstartxref\n99999\n%%EOF\n")...)
		}, "0 0 m 10 10 l S", true},
		{"offsets off by some bytes are rebuilt", func() []byte {
			return append([]byte("%PDF-1.4\n%% inserted by a broken gateway\n"), minimalPDF()[len("%PDF-1.7\n"):]...)
		}, "0 0 m 10 10 l S", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := open(t, tt.pdf())
			if got := content(t, d); got != tt.content {
				t.Errorf("content %q, want %q", got, tt.content)
			}
			if (d.Repaired() != nil) != tt.repaired {
				t.Errorf("Repaired() = %v, want repaired %v", d.Repaired(), tt.repaired)
			}
		})
	}
}

// Hostile structures end in errors, after a bounded amount of work: the
// work is counted (references followed, bytes read), not timed.
func TestHostileStructures(t *testing.T) {
	t.Parallel()
	t.Run("reference loop", func(t *testing.T) {
		// 5 0 R is 6 0 R, which is 5 0 R: both are read once and cached,
		// so what a loop costs is the references followed.
		d := open(t, refLoopPDF())
		before := d.hops
		if _, err := d.Dereference(types.IndirectRef{ObjectNumber: 5}); err == nil {
			t.Error("a reference loop resolved")
		}
		if n := d.hops - before; n > 100 {
			t.Errorf("followed %d references of a loop of two before giving up, want a few dozen at most", n)
		}
	})
	t.Run("deep nesting", func(t *testing.T) {
		// 100,000 nested arrays (200 KB): refused at the depth limit,
		// after reading the object once through the growing window, not
		// again for each attempt or each step of the window.
		data := deepPDF(100_000)
		r := &readCounter{r: bytes.NewReader(data), at: -1}
		d, err := Open(context.Background(), r, int64(len(data)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		r.bytes = 0
		if _, err := d.Dereference(types.IndirectRef{ObjectNumber: 3}); err == nil {
			t.Error("100,000 nested arrays parsed")
		}
		if r.bytes > 2*int64(len(data)) {
			t.Errorf("read %d bytes to refuse an object of a %d-byte file", r.bytes, len(data))
		}
		d = open(t, deepPDF(40))
		if _, err := d.Dereference(types.IndirectRef{ObjectNumber: 3}); err != nil {
			t.Errorf("40 nested arrays: %v", err)
		}
	})
	t.Run("stream whose /Length is itself", func(t *testing.T) {
		p := newPDF()
		p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
		p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
		p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
		p.stream(4, "/Length 4 0 R", []byte("self"))
		p.table(nil, "/Size 5 /Root 1 0 R")
		if got := content(t, open(t, p.bytes())); got != "self" {
			t.Errorf("content %q", got)
		}
	})
	t.Run("chain of streams", func(t *testing.T) {
		// Each stream's /Filter names the next: reading one reads them
		// all. Unbounded, 700,000 of them (61 MB) overflowed Go's stack
		// and killed the process.
		chain := func(n int) *Doc {
			p := newPDF()
			p.onePage("q Q")
			for i := 10; i < 10+n; i++ {
				dict := ""
				if i < 10+n-1 {
					dict = fmt.Sprintf("/Filter %d 0 R", i+1)
				}
				p.stream(i, dict, nil)
			}
			p.table(nil, fmt.Sprintf("/Size %d /Root 1 0 R", 10+n))
			return open(t, p.bytes())
		}
		short, long := chain(10), chain(5000)
		if _, err := short.Dereference(types.IndirectRef{ObjectNumber: 10}); err != nil {
			t.Errorf("a chain of 10 streams: %v", err)
		}
		if _, ok := short.objs.get(10 + 9); !ok {
			t.Error("reading the first of 10 streams did not read the last")
		}
		if _, err := long.Dereference(types.IndirectRef{ObjectNumber: 10}); err != nil {
			t.Errorf("a chain of 5,000 streams: %v; its first stream should read, with its chain cut", err)
		}
		if _, ok := long.objs.get(10 + 4999); ok {
			t.Error("reading the first stream read all 5,000: reading has no depth limit")
		}
	})
	t.Run("every hybrid section names one /XRefStm", func(t *testing.T) {
		// A stream that inflates to the decompression limit, named by
		// each of 50 sections: decoded 50 times, it cost seconds per
		// 68 KB of file.
		const sections = 50
		data, xs := hybridPDF(sections)
		r := &readCounter{r: bytes.NewReader(data), at: xs}
		if _, err := Open(context.Background(), r, int64(len(data)), Options{}); err != nil {
			t.Fatal(err)
		}
		if r.hits > 5 {
			t.Errorf("the shared /XRefStm was read %d times for %d sections", r.hits, sections)
		}
	})
	t.Run("object streams kept by size", func(t *testing.T) {
		// Ten small object streams stay decoded together, so reading their
		// objects in turn decodes each once; one that decodes to 17 MiB
		// is kept alone.
		p := newPDF()
		p.onePage("q Q")
		for i := range 10 {
			p.objStm(20+i, []int{40 + i}, map[int]string{40 + i: fmt.Sprintf("<< /N %d >>", i)})
		}
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		head := fmt.Sprintf("60 %d ", 17<<20)
		zw.Write([]byte(head))
		zw.Write(bytes.Repeat([]byte(" "), 17<<20))
		zw.Write([]byte("<< /Big true >>"))
		zw.Close()
		p.stream(30, fmt.Sprintf("/Type /ObjStm /N 1 /First %d /Filter /FlateDecode", len(head)), z.Bytes())
		p.compressed[60] = [2]int{30, 0}
		p.xrefStream(70, "/Root 1 0 R", true)
		d := open(t, p.bytes())
		for i := range 10 {
			if o, err := d.Dereference(types.IndirectRef{ObjectNumber: types.Integer(40 + i)}); err != nil || o == nil {
				t.Fatalf("object %d: %v, %v", 40+i, o, err)
			}
		}
		if n := len(d.stms.list); n != 10 {
			t.Errorf("%d object streams kept after reading from 10 small ones, want 10", n)
		}
		if o, err := d.Dereference(types.IndirectRef{ObjectNumber: 60}); err != nil || o == nil {
			t.Fatalf("object 60: %v, %v", o, err)
		}
		if n := len(d.stms.list); n != 1 || d.stms.list[0].num != 30 {
			t.Errorf("%d object streams kept after a 17 MiB one, want it alone", n)
		}
	})
	t.Run("absurd /Size and /N", func(t *testing.T) {
		p := newPDF()
		p.onePage("q Q")
		p.stream(5, "/Type /ObjStm /N 2000000000 /First 10", []byte("1 0 2 0 3 0"))
		p.table(nil, "/Size 2000000000 /Root 1 0 R")
		d := open(t, p.bytes())
		if _, err := d.objStm(5); err == nil {
			t.Error("object stream with /N 2e9 read")
		}
	})
	t.Run("decompression limit", func(t *testing.T) {
		d := open(t, minimalPDF())
		sd, _ := d.DereferenceStreamDict(types.IndirectRef{ObjectNumber: 4})
		if _, err := d.Decode(sd, 4); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Decode over the limit: %v, want ErrTooLarge", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		data := minimalPDF()
		d, err := Open(ctx, bytes.NewReader(data), int64(len(data)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, err := d.Dereference(types.IndirectRef{ObjectNumber: 3}); !errors.Is(err, context.Canceled) {
			t.Errorf("Dereference after cancel: %v", err)
		}
	})
	t.Run("not a PDF", func(t *testing.T) {
		data := []byte(strings.Repeat("x", 2000) + "%PDF-1.4")
		if _, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Options{}); !errors.Is(err, ErrNotPDF) {
			t.Errorf("Open: %v, want ErrNotPDF", err)
		}
	})
}

// The encrypted files of qpdf's suite: those that open with the empty
// user password read (and match pdfcpu in TestCorpusMatchesPdfcpu); the
// one that needs a password says so.
func TestEncryptedCorpus(t *testing.T) {
	t.Parallel()
	dir := need.Corpus(t, "qpdf")
	tests := []struct {
		file string
		r    int
		err  error
	}{
		{"encrypted-with-images.pdf", 3, nil}, // RC4 128-bit
		{"V4-aes.pdf", 4, nil},                // AES-128
		{"encrypted-positive-P.pdf", 6, nil},  // AES-256
		{"encrypted-40-bit-R3.pdf", 0, ErrWrongPassword},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		d, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Options{})
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: Open: %v, want %v", tt.file, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if e := d.Encryption(); e == nil || e.R != tt.r {
			t.Errorf("%s: Encryption() = %+v, want R %d", tt.file, e, tt.r)
		}
		root, _ := d.Catalog()
		for i, p := range pageDicts(root, ours(d)) {
			sd, err := d.DereferenceStreamDict(p["Contents"])
			if err != nil || sd == nil {
				continue
			}
			data, err := d.Decode(sd, 1<<24)
			if err != nil {
				t.Errorf("%s: page %d content: %v", tt.file, i+1, err)
			} else if !bytes.Contains(data, []byte("BT")) && !bytes.Contains(data, []byte(" re")) && !bytes.Contains(data, []byte("Do")) {
				t.Errorf("%s: page %d content does not look decrypted: %q", tt.file, i+1, clip(data))
			}
		}
	}
}

// readCounter counts the reads that start at offset at, and the bytes
// read at any offset.
type readCounter struct {
	r     io.ReaderAt
	at    int64
	hits  int
	bytes int64
}

func (c *readCounter) ReadAt(p []byte, off int64) (int, error) {
	if off == c.at {
		c.hits++
	}
	n, err := c.r.ReadAt(p, off)
	c.bytes += int64(n)
	return n, err
}

// hybridPDF has a chain of classic sections whose trailers all name, by
// /XRefStm, one cross-reference stream at the returned offset, which
// inflates to 4 MiB of free entries.
func hybridPDF(sections int) ([]byte, int64) {
	p := newPDF()
	p.onePage("q Q")
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 4<<20))
	zw.Close()
	xs := int64(p.buf.Len())
	p.stream(5, "/Type /XRef /Size 6 /W [1 2 1] /Index [100 1000] /Filter /FlateDecode", z.Bytes())
	prev := int64(0)
	for i := range sections {
		at := int64(p.buf.Len())
		p.buf.WriteString("xref\n0 1\n0000000000 65535 f\r\n")
		for n := 1; n <= 5; n++ {
			fmt.Fprintf(&p.buf, "%d 1\n%010d 00000 n\r\n", n, p.offs[n])
		}
		fmt.Fprintf(&p.buf, "trailer\n<</Size 6 /Root 1 0 R /XRefStm %d", xs)
		if i > 0 {
			fmt.Fprintf(&p.buf, " /Prev %d", prev)
		}
		p.buf.WriteString(">>\n")
		prev = at
	}
	fmt.Fprintf(&p.buf, "startxref\n%d\n%%%%EOF\n", prev)
	return p.bytes(), xs
}
