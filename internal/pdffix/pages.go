package pdffix

import (
	"errors"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/atomyx/submit/internal/pdfobj"
)

// page is one page object with what it inherits from the page tree.
type page struct {
	num, gen int
	dict     types.Dict     // the page object's own dictionary; a fix changes it
	media    box            // MediaBox, inherited if need be
	crop     *box           // CropBox, inherited if need be; nil when none
	own      map[string]box // the boxes the page's own dictionary holds
}

// maxPages bounds the walk of the page tree: a file that claims more is
// not fixed (preflight refuses it for other reasons).
const maxPages = 100_000

// readPages walks the page tree from the catalog, in page order. Every
// page must be an indirect object: its new version is written under its
// number.
func readPages(doc *pdfobj.Doc) ([]page, error) {
	cat, err := doc.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(types.IndirectRef)
	if !ok {
		return nil, errors.New("the catalog's /Pages is not a reference")
	}
	var pages []page
	seen := map[int]bool{}
	var walk func(ref types.IndirectRef, media *box, crop *box, depth int) error
	walk = func(ref types.IndirectRef, media *box, crop *box, depth int) error {
		num := ref.ObjectNumber.Value()
		if seen[num] || depth > 64 {
			return errors.New("the page tree refers back to itself")
		}
		seen[num] = true
		d, err := doc.DereferenceDict(ref)
		if err != nil || d == nil {
			return fmt.Errorf("page tree node %d: %v", num, err)
		}
		if b, ok := readBox(doc, d["MediaBox"]); ok {
			media = &b
		}
		if b, ok := readBox(doc, d["CropBox"]); ok {
			crop = &b
		}
		if t, _ := doc.DereferenceName(d["Type"]); t.Value() == "Page" || d["Kids"] == nil {
			if media == nil {
				return fmt.Errorf("page %d has no MediaBox", len(pages)+1)
			}
			if len(pages) >= maxPages {
				return fmt.Errorf("more than %d pages", maxPages)
			}
			own := map[string]box{}
			for _, key := range []string{"MediaBox", "CropBox", "BleedBox", "TrimBox", "ArtBox"} {
				if b, ok := readBox(doc, d[key]); ok {
					own[key] = b
				}
			}
			pages = append(pages, page{num: num, gen: ref.GenerationNumber.Value(), dict: d,
				media: *media, crop: crop, own: own})
			return nil
		}
		kids, err := doc.DereferenceArray(d["Kids"])
		if err != nil {
			return fmt.Errorf("page tree node %d: %v", num, err)
		}
		for _, k := range kids {
			kr, ok := k.(types.IndirectRef)
			if !ok {
				return fmt.Errorf("page tree node %d has a kid that is not a reference", num)
			}
			if err := walk(kr, media, crop, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, nil, nil, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// box is a rectangle [llx lly urx ury], normalised so that ll < ur.
type box [4]float64

func (b box) width() float64  { return b[2] - b[0] }
func (b box) height() float64 { return b[3] - b[1] }

// inset returns b made smaller by d on every side.
func (b box) inset(d float64) box { return box{b[0] + d, b[1] + d, b[2] - d, b[3] - d} }

// within returns b clipped to outer, and whether it had to be.
func (b box) within(outer box) (box, bool) {
	c := box{max(b[0], outer[0]), max(b[1], outer[1]), min(b[2], outer[2]), min(b[3], outer[3])}
	return c, c != b
}

// array is b as a PDF array.
func (b box) array() types.Array {
	return types.Array{types.Float(b[0]), types.Float(b[1]), types.Float(b[2]), types.Float(b[3])}
}

// readBox reads a rectangle, normalised; ok is false when o is missing or
// not four numbers.
func readBox(doc *pdfobj.Doc, o types.Object) (box, bool) {
	if o == nil {
		return box{}, false
	}
	a, err := doc.DereferenceArray(o)
	if err != nil || len(a) != 4 {
		return box{}, false
	}
	var v [4]float64
	for i, x := range a {
		f, err := doc.DereferenceNumber(x)
		if err != nil {
			return box{}, false
		}
		v[i] = f
	}
	return box{min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])}, true
}
