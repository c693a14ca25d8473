package pdffix

// boxes is the page boxes fix. It sets a TrimBox (and, when the page
// carries the bleed, a BleedBox) on pages that have none and whose visible
// page (the CropBox within the MediaBox) is exactly the ordered trim size,
// or the trim size plus the ordered bleed on every side, in either
// orientation: prepress would draw the same boxes, and preflight can then
// check trim and bleed. It clips boxes that reach past the MediaBox, which
// no printer can use. It never moves or scales the content, and never sets
// a box on a page whose size is anything else: that is a question for the
// customer.
func (f *fixer) boxes() error {
	o := f.o
	var set, clipped []int
	for _, p := range f.pages {
		n := p.n
		visible := p.visible()
		wasClipped := false
		for _, key := range []string{"CropBox", "BleedBox", "TrimBox", "ArtBox"} {
			b, ok := ownOrInherited(p, key)
			if !ok {
				continue
			}
			if c, outside := b.within(p.media); outside && c.width() > 0 && c.height() > 0 {
				p.setBox(key, c)
				wasClipped = true
			}
		}
		if wasClipped {
			clipped = append(clipped, n)
			f.changed[p.num] = true
		}
		if _, has := p.dict["TrimBox"]; has || o.TrimWidth <= 0 || o.TrimHeight <= 0 {
			continue
		}
		switch {
		case sameSize(visible, o.TrimWidth, o.TrimHeight):
			p.setBox("TrimBox", visible)
		case o.Bleed > 0 && sameSize(visible, o.TrimWidth+2*o.Bleed, o.TrimHeight+2*o.Bleed):
			p.setBox("TrimBox", visible.inset(o.Bleed))
			if _, has := p.dict["BleedBox"]; !has {
				p.setBox("BleedBox", visible)
			}
		default:
			continue
		}
		set = append(set, n)
		f.changed[p.num] = true
	}
	f.fixed(RuleBoxes, CodeBoxesClipped, clipped, nil)
	f.fixed(RuleBoxes, CodeBoxesSet, set, nil)
	return nil
}

// ownOrInherited reads a page box: from the page's own dictionary, or for
// the CropBox, which is inherited, from the page tree.
func ownOrInherited(p *page, key string) (box, bool) {
	if b, ok := p.own[key]; ok {
		return b, true
	}
	if key == "CropBox" && p.crop != nil {
		return *p.crop, true
	}
	return box{}, false
}

// sameSize reports whether b is w × h, or h × w, within tolerance.
func sameSize(b box, w, h float64) bool {
	return (near(b.width(), w) && near(b.height(), h)) || (near(b.width(), h) && near(b.height(), w))
}
