package pdfobj

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/need"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// FuzzOpen opens arbitrary bytes, walks the page tree and decodes every
// page's content: no panic, no hang, whatever the input. Damaged and
// encrypted files of the corpus are the seeds that lead it into repair
// and decryption, so it needs the corpus like the tests do.
func FuzzOpen(f *testing.F) {
	f.Add(minimalPDF())
	f.Add(refLoopPDF())
	f.Add(deepPDF(200))
	dir := need.Corpus(f, "qpdf")
	for _, name := range []string{"bad11.pdf", "V4-aes.pdf", "encrypted-positive-P.pdf", "issue-117.pdf", "append-xref-loop.pdf"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := Open(ctx, bytes.NewReader(data), int64(len(data)), Options{MaxStreamBytes: 1 << 20})
		if err != nil {
			return
		}
		root, err := d.Catalog()
		if err != nil {
			t.Fatalf("Open succeeded without a catalog: %v", err)
		}
		for _, p := range pageDicts(root, ours(d)) {
			contents, _ := d.Dereference(p["Contents"])
			parts, ok := contents.(types.Array)
			if !ok {
				parts = types.Array{p["Contents"]}
			}
			for _, c := range parts {
				if sd, err := d.DereferenceStreamDict(c); err == nil && sd != nil {
					d.Decode(sd, 1<<20)
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatal("took more than 10 s")
		}
	})
}

// FuzzFilters decodes arbitrary data through each filter and predictor:
// no panic and no runaway, whatever the data.
func FuzzFilters(f *testing.F) {
	dicts := []string{
		"/Filter /FlateDecode",
		"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Colors 3 /Columns 7 >>",
		"/Filter /FlateDecode /DecodeParms << /Predictor 2 /Colors 2 /Columns 5 >>",
		"/Filter /LZWDecode",
		"/Filter /LZWDecode /DecodeParms << /EarlyChange 0 /Predictor 15 /Columns 3 >>",
		"/Filter /ASCIIHexDecode",
		"/Filter /ASCII85Decode",
		"/Filter /RunLengthDecode",
		"/Filter [/ASCII85Decode /RunLengthDecode]",
	}
	for i := range dicts {
		f.Add(uint8(i), []byte{0x78, 0x9c, 0x63, 0x60, 0x60, 0x04, 0x00})
		f.Add(uint8(i), []byte("48656C6C6F> ~> <~87cURD]i,\"Ebo80~>"))
		f.Add(uint8(i), []byte{0x02, 'a', 'b', 'c', 0xfe, 'z', 0x80})
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		d, sd := streamDoc(t, dicts[int(which)%len(dicts)], data, Options{})
		r, err := d.StreamReader(sd, 1<<20)
		if err != nil {
			return
		}
		if n, err := io.Copy(io.Discard, r); n > 1<<20 && err == nil {
			t.Fatalf("read %d bytes past the limit", n)
		}
	})
}
