package pdffix

import (
	"errors"
	"math"
	"slices"
)

// The scale factors the scale fix makes: beyond them a page is not a
// resized design but something else.
const minScale, maxScale = 0.05, 20

// scale is the scale-to-size fix. A page whose trim, as shown, has the
// order's proportions within 1 % but another size (an A4 file for an A5
// order) is scaled uniformly, about the centre of its trim, so that the
// trim becomes the ordered size: by the larger of the two factors, so
// that the trim is filled and what was within 1 % beyond it on two sides
// falls into the bleed rather than leaving a white sliver. The page's
// content is drawn through a transformation (its streams are referenced,
// not copied; see wrap) and clipped to what was visible; every box is
// scaled with it, and the TrimBox is set to exactly the ordered size.
//
// It never scales one way more than the other, never a page that is
// already the ordered size, never one with annotations (comments, links,
// form fields: their rectangles would have to move too, and they are
// left alone), never one whose drawing cannot be wrapped safely, and
// never by less than 5 % or more than 20 times.
func (f *fixer) scale() error {
	ow, oh := f.o.TrimWidth, f.o.TrimHeight
	if !(ow > 0 && oh > 0) {
		return nil
	}
	var scaled []int
	var factors []float64
	var skip skips
	for _, p := range f.pages {
		t := p.trim()
		w, h := p.shown(t)
		if (near(w, ow) && near(h, oh)) || !sameShape(w, h, ow, oh) {
			continue
		}
		why, s, err := f.scalePage(p, t)
		if err != nil {
			return err
		}
		if why != "" {
			skip.add(why, p.n)
			continue
		}
		scaled = append(scaled, p.n)
		factors = append(factors, s)
	}
	var details map[string]any
	if len(factors) > 0 && math.Round(slices.Min(factors)*100) == math.Round(slices.Max(factors)*100) {
		details = map[string]any{"percent": math.Round(factors[0] * 100)}
	}
	f.fixed(RuleScale, CodePagesScaled, scaled, details)
	skip.report(f, RuleScale, CodePagesScaled)
	return nil
}

// scalePage scales one page whose trim is t, and returns the factor, or
// why it was not scaled.
func (f *fixer) scalePage(p *page, t box) (why string, s float64, err error) {
	if !p.rotateOK {
		return "its rotation is not a quarter turn, so we did not scale it", 0, nil
	}
	// The ordered size in the page's own space, before its /Rotate.
	tw, th := f.o.TrimWidth, f.o.TrimHeight
	if p.rotate == 90 || p.rotate == 270 {
		tw, th = th, tw
	}
	s = max(tw/t.width(), th/t.height())
	if !(s >= minScale && s <= maxScale) {
		return "it is too far from the ordered size to scale safely", 0, nil
	}
	if annots, err := f.doc.DereferenceArray(p.dict["Annots"]); err != nil || len(annots) > 0 {
		return "comments, links or form fields on the page would not move with it, so we did not scale it", 0, nil
	}
	m := matrix{s, 0, 0, s, tw/2 - s*(t[0]+t.width()/2), th/2 - s*(t[1]+t.height()/2)}
	media := m.box(p.visible())
	if err := f.wrap(p, []drawing{{clip: media, m: m}}); err != nil {
		if errors.Is(err, errUnbalanced) {
			return "we could not read its drawing safely, so we did not scale it", 0, nil
		}
		return "", 0, err
	}
	trim := box{0, 0, tw, th}
	for _, key := range []string{"BleedBox", "ArtBox"} {
		if b, ok := p.own[key]; ok {
			c, _ := m.box(b).within(media)
			p.setBox(key, c)
		}
	}
	p.setBox("MediaBox", media)
	if p.crop != nil {
		p.setBox("CropBox", media)
	}
	p.setBox("TrimBox", trim)
	f.changed[p.num] = true
	return "", s, nil
}
