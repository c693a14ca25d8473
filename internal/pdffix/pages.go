package pdffix

import (
	"errors"
	"fmt"
	"math"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/atomyx/submit/internal/pdfobj"
)

// page is one page object with what it inherits from the page tree, as
// the fixes so far have left it.
type page struct {
	n        int // the page's number, 1-based
	num, gen int
	dict     types.Dict     // the page object's own dictionary; a fix changes it
	media    box            // MediaBox, inherited if need be
	crop     *box           // CropBox, inherited if need be; nil when none
	own      map[string]box // the boxes the page's own dictionary holds
	// rotate is the page's /Rotate, inherited if need be, in [0, 360);
	// rotateOK is false when it is not a whole number of quarter turns,
	// which readers treat differently.
	rotate   int
	rotateOK bool
	// wrapped is set once a fix has replaced /Contents with its own
	// array around the original streams, whose graphics state it has
	// checked to be balanced.
	wrapped bool
}

// visible is the part of the page a viewer shows: the CropBox within the
// MediaBox.
func (p *page) visible() box {
	if p.crop == nil {
		return p.media
	}
	v, _ := p.crop.within(p.media)
	return v
}

// trim is where the page is cut: its TrimBox, else what is visible.
func (p *page) trim() box {
	if b, ok := p.own["TrimBox"]; ok {
		return b
	}
	return p.visible()
}

// bleedArea is what may print beyond the trim: the BleedBox, else what is
// visible.
func (p *page) bleedArea() box {
	if b, ok := p.own["BleedBox"]; ok {
		return b
	}
	return p.visible()
}

// setBox sets one of the page's boxes, in its dictionary and in what the
// next fix reads.
func (p *page) setBox(key string, b box) {
	p.dict[key] = b.array()
	p.own[key] = b
	switch key {
	case "MediaBox":
		p.media = b
	case "CropBox":
		p.crop = &b
	}
}

// maxPages bounds the walk of the page tree: a file that claims more is
// not fixed (preflight refuses it for other reasons).
const maxPages = 100_000

// readPages walks the page tree from the catalog, in page order. Every
// page must be an indirect object: its new version is written under its
// number.
func readPages(doc *pdfobj.Doc) ([]*page, error) {
	cat, err := doc.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(types.IndirectRef)
	if !ok {
		return nil, errors.New("the catalog's /Pages is not a reference")
	}
	var pages []*page
	seen := map[int]bool{}
	var walk func(ref types.IndirectRef, media *box, crop *box, rotate types.Object, depth int) error
	walk = func(ref types.IndirectRef, media *box, crop *box, rotate types.Object, depth int) error {
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
		if r, ok := d["Rotate"]; ok {
			rotate = r
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
			p := &page{n: len(pages) + 1, num: num, gen: ref.GenerationNumber.Value(), dict: d,
				media: *media, crop: crop, own: own}
			p.rotate, p.rotateOK = readRotate(doc, rotate)
			pages = append(pages, p)
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
			if err := walk(kr, media, crop, rotate, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, nil, nil, nil, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// readRotate reads a /Rotate: degrees in [0, 360), and whether it is a
// whole number of quarter turns. None is 0.
func readRotate(doc *pdfobj.Doc, o types.Object) (int, bool) {
	if o == nil {
		return 0, true
	}
	f, err := doc.DereferenceNumber(o)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e6 {
		return 0, false
	}
	deg := (int(f)%360 + 360) % 360
	return deg, deg%90 == 0
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
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return box{}, false
		}
		v[i] = f
	}
	return box{min(v[0], v[2]), min(v[1], v[3]), max(v[0], v[2]), max(v[1], v[3])}, true
}

// expand returns b made larger by d on every side.
func (b box) expand(d float64) box { return b.inset(-d) }

// union returns the smallest box holding b and c.
func (b box) union(c box) box {
	return box{min(b[0], c[0]), min(b[1], c[1]), max(b[2], c[2]), max(b[3], c[3])}
}

// shown returns the page's width and height as a viewer shows them, after
// its /Rotate.
func (p *page) shown(b box) (w, h float64) {
	if p.rotate == 90 || p.rotate == 270 {
		return b.height(), b.width()
	}
	return b.width(), b.height()
}

// minBleed is how far bleed reaches past trim on its shortest side.
func minBleed(trim, bleed box) float64 {
	return max(0, min(trim[0]-bleed[0], bleed[2]-trim[2], trim[1]-bleed[1], bleed[3]-trim[3]))
}
