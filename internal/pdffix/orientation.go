package pdffix

import (
	"math"
	"slices"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// proportionTolerance is how far a page's proportions may be from the
// order's for the scale fix: 1 %, which covers the ISO A and B series
// (each √2) and the rounding of their sizes to millimetres.
const proportionTolerance = 0.01

// sameShape reports whether w × h has the proportions of ow × oh within
// proportionTolerance.
func sameShape(w, h, ow, oh float64) bool {
	if !(w > 0 && h > 0 && ow > 0 && oh > 0) {
		return false
	}
	return math.Abs((w/h)/(ow/oh)-1) <= proportionTolerance
}

// orientation is the orientation fix. It turns a page a quarter turn
// clockwise, by adding 90° to its /Rotate, when its trim as shown is the
// ordered size turned the other way: portrait for a landscape order, or
// the reverse. When the scale rule applies too, a page with the order's
// proportions turned (an A4 portrait page for an A5 landscape order) is
// turned as well, so that scale can then fit it. It never turns a page of
// the right orientation, a square one, or one whose /Rotate is not a
// whole number of quarter turns (viewers disagree on those); it never
// touches the content.
func (f *fixer) orientation() error {
	ow, oh := f.o.TrimWidth, f.o.TrimHeight
	if !(ow > 0 && oh > 0) || near(ow, oh) {
		return nil
	}
	scale := slices.Contains(f.opts.Rules, RuleScale)
	var turned []int
	var skip skips
	for _, p := range f.pages {
		w, h := p.shown(p.trim())
		straight := (near(w, ow) && near(h, oh)) || (scale && sameShape(w, h, ow, oh))
		sideways := (near(w, oh) && near(h, ow)) || (scale && sameShape(w, h, oh, ow))
		if straight || !sideways {
			continue
		}
		if !p.rotateOK {
			skip.add("its rotation is not a quarter turn, so we did not turn it", p.n)
			continue
		}
		p.rotate = (p.rotate + 90) % 360
		p.dict["Rotate"] = types.Integer(p.rotate)
		f.changed[p.num] = true
		turned = append(turned, p.n)
	}
	f.fixed(RuleOrientation, CodePagesRotated, turned, nil)
	skip.report(f, RuleOrientation, CodePagesRotated)
	return nil
}
