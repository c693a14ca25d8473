package preflight

import (
	"errors"
	"fmt"
	"math"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxTreeDepth bounds the page tree walk; real trees are a few levels deep.
const maxTreeDepth = 64

// page is one leaf of the page tree with its inherited attributes.
type page struct {
	number int
	dict   types.Dict
	res    types.Dict
	info   PageInfo
}

// errTooManyPages stops the walk as soon as the limit is passed, so that a
// file claiming a million pages costs no more than the limit.
type errTooManyPages struct{ claimed int }

func (e *errTooManyPages) Error() string { return fmt.Sprintf("%d pages", e.claimed) }

type inherited struct {
	res         types.Dict
	media, crop *Box
	rotate      int
}

// pageWalker walks the page tree once, following Kids rather than trusting
// /Count, and refuses cycles and absurd depth.
type pageWalker struct {
	x       *pdfobj.Doc
	max     int
	pages   []page
	visited map[int]bool
}

func readPages(doc *pdfobj.Doc, maxPages int) ([]page, error) {
	root, err := doc.Catalog()
	if err != nil {
		return nil, err
	}
	tree, err := doc.DereferenceDict(root["Pages"])
	if err != nil || tree == nil {
		return nil, fmt.Errorf("page tree is missing")
	}
	claimed := 0
	if n := tree.IntEntry("Count"); n != nil {
		claimed = *n
	}
	if claimed > maxPages {
		return nil, &errTooManyPages{claimed: claimed}
	}
	w := &pageWalker{x: doc, max: maxPages, visited: map[int]bool{}}
	if ir, ok := root["Pages"].(types.IndirectRef); ok {
		w.visited[ir.ObjectNumber.Value()] = true
	}
	if err := w.node(tree, inherited{}, 0); err != nil {
		return nil, err
	}
	if len(w.pages) == 0 {
		return nil, errors.New("the document has no pages")
	}
	if claimed > len(w.pages) {
		// Pages the tree lists but that cannot be read are missing pages:
		// printing the rest would be a wrong print, not a smaller one.
		return nil, fmt.Errorf("the page tree lists %d pages but only %d can be read", claimed, len(w.pages))
	}
	return w.pages, nil
}

func (w *pageWalker) node(d types.Dict, inh inherited, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("page tree deeper than %d levels", maxTreeDepth)
	}
	if r, err := w.x.DereferenceDict(d["Resources"]); err == nil && r != nil {
		inh.res = r
	}
	if b := w.box(d, "MediaBox"); b != nil {
		inh.media = b
	}
	if b := w.box(d, "CropBox"); b != nil {
		inh.crop = b
	}
	if o, ok := d.Find("Rotate"); ok {
		if f, err := w.x.DereferenceNumber(o); err == nil {
			inh.rotate = ((int(f) % 360) + 360) % 360 / 90 * 90
		}
	}
	kids, _ := w.x.DereferenceArray(d["Kids"])
	t := d.Type()
	isPages := t != nil && *t == "Pages"
	if (t != nil && *t == "Page") || (!isPages && kids == nil) {
		return w.leaf(d, inh)
	}
	for _, k := range kids {
		if ir, ok := k.(types.IndirectRef); ok {
			n := ir.ObjectNumber.Value()
			if w.visited[n] {
				continue // a page tree loop: each node is visited once
			}
			w.visited[n] = true
		}
		kd, err := w.x.DereferenceDict(k)
		if err != nil || kd == nil {
			continue // a broken kid is skipped, as viewers do
		}
		if err := w.node(kd, inh, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// usLetter is the default page size when no MediaBox is found at all.
var usLetter = Box{0, 0, 612, 792}

func (w *pageWalker) leaf(d types.Dict, inh inherited) error {
	if len(w.pages) >= w.max {
		return &errTooManyPages{claimed: len(w.pages) + 1}
	}
	media := inh.media
	if media == nil {
		m := usLetter
		media = &m
	}
	crop := clip(inh.crop, *media)
	cropOrMedia := *media
	if crop != nil {
		cropOrMedia = *crop
	}
	info := PageInfo{
		Number:   len(w.pages) + 1,
		MediaBox: media,
		CropBox:  crop,
		TrimBox:  clip(w.box(d, "TrimBox"), cropOrMedia),
		BleedBox: clip(w.box(d, "BleedBox"), cropOrMedia),
		Rotate:   inh.rotate,
	}
	w.pages = append(w.pages, page{number: info.Number, dict: d, res: inh.res, info: info})
	return nil
}

// box reads a rectangle, normalised so that x0 < x1 and y0 < y1; a box
// that is not four numbers, or is empty, counts as absent.
func (w *pageWalker) box(d types.Dict, key string) *Box {
	a, err := w.x.DereferenceArray(d[key])
	if err != nil || len(a) != 4 {
		return nil
	}
	var v [4]float64
	for i, o := range a {
		f, err := w.x.DereferenceNumber(o)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		v[i] = f
	}
	b := Box{math.Min(v[0], v[2]), math.Min(v[1], v[3]), math.Max(v[0], v[2]), math.Max(v[1], v[3])}
	if b.Width() <= 0 || b.Height() <= 0 {
		return nil
	}
	return &b
}

// clip intersects b with the box it must lie within, as viewers and RIPs
// do (a TrimBox larger than the CropBox is cut to it). Nil stays nil.
func clip(b *Box, within Box) *Box {
	if b == nil {
		return nil
	}
	c := Box{math.Max(b[0], within[0]), math.Max(b[1], within[1]), math.Min(b[2], within[2]), math.Min(b[3], within[3])}
	if c.Width() <= 0 || c.Height() <= 0 {
		return nil
	}
	return &c
}

// effectiveTrim is the box the page is cut to: TrimBox, else CropBox, else
// MediaBox (PDF 32000 14.11.2).
func (p PageInfo) effectiveTrim() Box {
	switch {
	case p.TrimBox != nil:
		return *p.TrimBox
	case p.CropBox != nil:
		return *p.CropBox
	}
	return *p.MediaBox
}

// effectiveBleed is the BleedBox, else CropBox, else MediaBox.
func (p PageInfo) effectiveBleed() Box {
	switch {
	case p.BleedBox != nil:
		return *p.BleedBox
	case p.CropBox != nil:
		return *p.CropBox
	}
	return *p.MediaBox
}
