package pdfobj

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/need"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// corpusPDFs returns the PDFs of the shared corpus, named by their path
// inside it ("qpdf/bad2.pdf"), and the corpus's folder.
func corpusPDFs(t *testing.T) (dir string, names []string) {
	t.Helper()
	dir = need.Corpus(t)
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && strings.HasSuffix(p, ".pdf") {
			name, err := filepath.Rel(dir, p)
			names = append(names, filepath.ToSlash(name))
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list the corpus: %v", err)
	}
	if len(names) == 0 {
		t.Fatalf("no PDFs in the corpus at %s", dir)
	}
	return dir, names
}

// oracle reads data with pdfcpu's full reader, which loads everything.
func oracle(data []byte) (x *model.XRefTable, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pdfcpu panicked: %v", p)
		}
	}()
	model.ConfigPath = "disable"
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	start := bytes.Index(data[:min(len(data), headerWindow)], []byte("%PDF-"))
	if start < 0 {
		return nil, ErrNotPDF
	}
	ctx, err := pdfcpu.ReadWithContext(context.Background(), bytes.NewReader(data[start:]), conf)
	if err != nil {
		return nil, err
	}
	if _, err := ctx.Catalog(); err != nil {
		return nil, err
	}
	return ctx.XRefTable, nil
}

// deref is a reader's Dereference, so one walk serves both readers.
type deref func(types.Object) (types.Object, error)

func ours(d *Doc) deref { return d.Dereference }

func theirs(x *model.XRefTable) deref {
	return func(o types.Object) (types.Object, error) {
		for range maxHops {
			ir, ok := o.(types.IndirectRef)
			if !ok {
				return o, nil
			}
			var err error
			if o, err = x.Dereference(ir); err != nil {
				return nil, err
			}
		}
		return nil, fmt.Errorf("reference loop")
	}
}

// canonical prints o with references resolved depth levels deep, keys
// sorted, streams as their dictionary; /Length is left out (pdfcpu
// rewrites it when it finds a wrong one) and /Parent is not followed.
func canonical(o types.Object, r deref, depth int) string {
	var b strings.Builder
	var walk func(o types.Object, depth int)
	walk = func(o types.Object, depth int) {
		if ir, ok := o.(types.IndirectRef); ok {
			if depth <= 0 {
				b.WriteString("R")
				return
			}
			v, err := r(ir)
			if err != nil {
				b.WriteString("<error>")
				return
			}
			o = v
		}
		switch v := o.(type) {
		case types.Dict:
			walkDict(&b, v, depth, walk)
		case types.StreamDict:
			b.WriteString("stream")
			walkDict(&b, v.Dict, depth, walk)
		case types.Array:
			b.WriteString("[")
			for _, e := range v {
				walk(e, depth-1)
				b.WriteString(" ")
			}
			b.WriteString("]")
		case nil:
			b.WriteString("null")
		default:
			b.WriteString(v.PDFString())
		}
	}
	walk(o, depth)
	return b.String()
}

func walkDict(b *strings.Builder, d types.Dict, depth int, walk func(types.Object, int)) {
	keys := make([]string, 0, len(d))
	for k := range d {
		if k != "Length" && d[k] != nil {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	b.WriteString("<<")
	for _, k := range keys {
		b.WriteString("/" + k + " ")
		if k == "Parent" || k == "P" {
			b.WriteString("~ ")
			continue
		}
		walk(d[k], depth-1)
		b.WriteString(" ")
	}
	b.WriteString(">>")
}

// pageDicts walks the page tree (each node once, at most 2000 pages).
func pageDicts(root types.Dict, r deref) []types.Dict {
	var out []types.Dict
	seen := map[int]bool{}
	var node func(o types.Object, depth int)
	node = func(o types.Object, depth int) {
		if ir, ok := o.(types.IndirectRef); ok {
			if seen[ir.ObjectNumber.Value()] {
				return
			}
			seen[ir.ObjectNumber.Value()] = true
		}
		v, err := r(o)
		d, ok := v.(types.Dict)
		if err != nil || !ok || depth > 32 || len(out) >= 2000 {
			return
		}
		kids, _ := r(d["Kids"])
		if a, ok := kids.(types.Array); ok && (d.Type() == nil || *d.Type() != "Page") {
			for _, k := range a {
				node(k, depth+1)
			}
			return
		}
		out = append(out, d)
	}
	node(root["Pages"], 0)
	return out
}

// Every corpus file pdfcpu's full reader can read, reads the same through
// the lazy reader: the catalog, the number of pages and every page
// dictionary with its values resolved three levels deep.
func TestCorpusMatchesPdfcpu(t *testing.T) {
	t.Parallel()
	compared := 0
	dir, names := corpusPDFs(t)
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		x, err := oracle(data)
		if err != nil {
			continue // pdfcpu cannot read it; other tests cover it
		}
		if why := knownDifferences[name]; why != "" {
			continue
		}
		d, err := Open(context.Background(), bytes.NewReader(data), int64(len(data)), Options{})
		if err != nil {
			t.Errorf("%s: pdfcpu reads it, Open: %v", name, err)
			continue
		}
		compared++
		root, err := d.Catalog()
		if err != nil {
			t.Errorf("%s: Catalog: %v", name, err)
			continue
		}
		theirRoot, _ := x.Catalog()
		if got, want := canonical(root, ours(d), 2), canonical(theirRoot, theirs(x), 2); got != want {
			t.Errorf("%s: catalog\n got %s\nwant %s", name, got, want)
		}
		got, want := pageDicts(root, ours(d)), pageDicts(theirRoot, theirs(x))
		if len(got) != len(want) {
			t.Errorf("%s: %d pages, pdfcpu %d", name, len(got), len(want))
			continue
		}
		for i := range got {
			if g, w := canonical(got[i], ours(d), 3), canonical(want[i], theirs(x), 3); g != w {
				t.Errorf("%s: page %d\n got %s\nwant %s", name, i+1, g, w)
			}
		}
	}
	if compared < 150 {
		t.Errorf("only %d files compared", compared)
	}
	t.Logf("%d files compared", compared)
}

// knownDifferences are corpus files the two readers read differently, and
// why.
var knownDifferences = map[string]string{
	// pdfcpu gives up on the broken xref data and returns an empty
	// catalog; poppler, qpdf and the rebuilt table find the one page.
	"qpdf/bad2.pdf":  "pdfcpu finds no pages, poppler 1",
	"qpdf/bad3.pdf":  "pdfcpu finds no pages, poppler 1",
	"qpdf/bad8.pdf":  "pdfcpu finds no pages, poppler 1",
	"qpdf/bad11.pdf": "pdfcpu finds no pages, poppler 1",
	// Two page trees; qpdf cannot read it, poppler's reconstruction and
	// ours find the 10-page one, pdfcpu's reader the other.
	"qpdf/issue-202.pdf": "damaged trailer, readers disagree",
	// The last /Prev points to its own section: rebuilt like poppler and
	// qpdf, so deleted outlines are back; pdfcpu keeps them deleted.
	"qpdf/append-xref-loop.pdf": "xref loop: rebuilt",
	// Garbage: qpdf cannot find a catalog; pdfcpu takes a garbled
	// object for one.
	"qpdf/issue-99.pdf": "garbage, qpdf cannot read it",
	// Objects with a garbled header or a dangling offset: pdfcpu makes
	// some null and reads others; we read what follows "obj" and report
	// the rest as errors.
	"qpdf/bad26.pdf":             "garbled object header",
	"qpdf/bad27.pdf":             "garbled object header",
	"qpdf/dangling-bad-xref.pdf": "xref offset into another object",
}
