package pdffix

import (
	"errors"
	"math"
	"slices"
)

// bleed is the add-bleed fix, for the pages the caller names as running
// to the edge (opts.EdgePages). On such a page, whose trim is the ordered
// size (either way round) and whose bleed is short of the order's, it
// mirrors the page across each trim edge into the bleed: the content is
// drawn eight more times, each mirrored across an edge (or, for a corner,
// across both) and clipped to that strip or corner of the bleed, and then
// once as it was, clipped to what was visible, so that bleed the page
// already had wins over the mirror. Everything stays vector: the content
// streams are referenced again, not copied, and nothing is rasterised.
// The MediaBox (and a CropBox, if any) grows to hold the bleed, the
// BleedBox is the trim plus the ordered bleed, and the TrimBox stays.
//
// It never adds bleed to a page not in EdgePages (white margins need
// none, and mirroring is the customer's choice), to a page of another
// size, or to one whose drawing cannot be wrapped safely; it never moves
// what lies inside the trim.
func (f *fixer) bleed() error {
	b := f.o.Bleed
	if !(b > 0) || !(f.o.TrimWidth > 0 && f.o.TrimHeight > 0) {
		return nil
	}
	var added []int
	var skip skips
	for _, p := range f.pages {
		if !slices.Contains(f.opts.EdgePages, p.n) {
			continue
		}
		t := p.trim()
		if !sameSize(t, f.o.TrimWidth, f.o.TrimHeight) || minBleed(t, p.bleedArea()) >= b-tolerance {
			continue
		}
		if err := f.wrap(p, mirrors(t, b, p.visible())); err != nil {
			if errors.Is(err, errUnbalanced) {
				skip.add("we could not read its drawing safely, so we did not add bleed", p.n)
				continue
			}
			return err
		}
		media := p.visible().union(t.expand(b))
		p.setBox("MediaBox", media)
		if p.crop != nil {
			p.setBox("CropBox", media)
		}
		p.setBox("TrimBox", t)
		p.setBox("BleedBox", t.expand(b))
		f.changed[p.num] = true
		added = append(added, p.n)
	}
	f.fixed(RuleBleed, CodeBleedAdded, added, map[string]any{"bleed": math.Round(b*25.4/72*10) / 10})
	skip.report(f, RuleBleed, CodeBleedAdded)
	return nil
}

// mirrors returns the drawings that fill the bleed b around trim t: each
// edge strip mirrored across its edge, each corner across both, and last
// the page itself, clipped to what was visible.
func mirrors(t box, b float64, visible box) []drawing {
	x0, y0, x1, y1 := t[0], t[1], t[2], t[3]
	flipX := func(x float64) matrix { return matrix{-1, 0, 0, 1, 2 * x, 0} }
	flipY := func(y float64) matrix { return matrix{1, 0, 0, -1, 0, 2 * y} }
	flipXY := func(x, y float64) matrix { return matrix{-1, 0, 0, -1, 2 * x, 2 * y} }
	return []drawing{
		{box{x0 - b, y0, x0, y1}, flipX(x0)},
		{box{x1, y0, x1 + b, y1}, flipX(x1)},
		{box{x0, y0 - b, x1, y0}, flipY(y0)},
		{box{x0, y1, x1, y1 + b}, flipY(y1)},
		{box{x0 - b, y0 - b, x0, y0}, flipXY(x0, y0)},
		{box{x1, y0 - b, x1 + b, y0}, flipXY(x1, y0)},
		{box{x0 - b, y1, x0, y1 + b}, flipXY(x0, y1)},
		{box{x1, y1, x1 + b, y1 + b}, flipXY(x1, y1)},
		{visible, identity},
	}
}
