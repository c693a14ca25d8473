package preflight

import (
	"context"
	"errors"
	"io"
	"math"
	"time"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/atomyx/submit/internal/preflight/content"
)

// area is a marked region on a page with a count of what was found there.
type area struct {
	count int
	rect  content.Rect
}

func (a *area) add(r content.Rect) {
	if a.count == 0 {
		a.rect = content.EmptyRect
	}
	a.count++
	a.rect = a.rect.Union(r)
}

// measure is the smallest value seen on a page, where, and how often.
type measure struct {
	area
	min float64
}

func (m *measure) add(v float64, r content.Rect) {
	if m.count == 0 || v < m.min {
		m.min = v
	}
	m.area.add(r)
}

// pageScan is what the interpreter found on one page.
type pageScan struct {
	number   int
	pageBox  content.Rect
	images   []ImageInfo
	rgb, lab area
	rgbKinds map[string]bool
	spots    map[string]bool
	hairline measure
	text     measure
	whiteOP  area
	transp   area
	reasons  map[string]bool
	fonts    map[string]bool // IDs of fonts used for visible text
	ink      inkScan
	problems []string
}

// Paint implements content.Visitor.
func (s *pageScan) Paint(p *content.Paint) {
	visible := p.Bounds.Empty() || overlaps(p.Bounds, s.pageBox)
	switch p.Kind {
	case content.KindImage:
		s.image(p, visible)
	case content.KindText:
		if !p.Fill && !p.Stroke {
			return // invisible text (render mode 3 or 7): OCR layers, clipping
		}
		s.fonts[fontKey(p.Font)] = true
		if visible && !p.Font.Type3 && p.TextSize > 0.01 {
			s.text.add(p.TextSize, p.Bounds)
		}
	case content.KindPath:
		if visible && p.Stroke {
			s.hairline.add(p.LineWidth, p.Bounds)
		}
	}
	if !visible {
		return
	}
	s.colours(p)
	s.ink.paint(p)
	if (p.Stroke && p.StrokeOP && p.StrokeColor.IsWhite()) || (p.Fill && p.FillOP && p.FillColor.IsWhite() && (p.Image == nil || p.Image.ImageMask)) {
		s.whiteOP.add(p.Bounds)
	}
	if p.Transparency != "" {
		s.transp.add(p.Bounds)
		s.reasons[p.Transparency] = true
	}
}

// Problem implements content.Visitor.
func (s *pageScan) Problem(err error) {
	if errors.Is(err, content.ErrSyntax) && len(s.problems) < 5 {
		s.problems = append(s.problems, err.Error())
	}
}

// fontKey identifies a font: by its object, else by its name. A font
// that Tf names and the resources lack has a key of its own, the
// missingFont prefix and its resource name.
func fontKey(f content.FontInfo) string {
	switch {
	case f.Missing:
		return missingFont + f.Name
	case f.ID != "":
		return f.ID
	}
	return "name:" + f.Name
}

const missingFont = "missing:"

func overlaps(a, b content.Rect) bool {
	return a.X0 <= b.X1 && b.X0 <= a.X1 && a.Y0 <= b.Y1 && b.Y0 <= a.Y1
}

func (s *pageScan) image(p *content.Paint, visible bool) {
	img := p.Image
	sx, sy := p.CTM.XScale(), p.CTM.YScale()
	if sx < 1e-9 || sy < 1e-9 || img.Width <= 0 || img.Height <= 0 {
		return // a degenerate placement paints nothing
	}
	cs := img.ColorSpace.String()
	if img.ImageMask {
		cs = "stencil mask"
	} else if img.ColorSpace.Family == "" && img.Filter == "JPXDecode" {
		cs = "JPEG 2000"
	}
	info := ImageInfo{
		Page: s.number, Width: img.Width, Height: img.Height,
		PPIX: round1(float64(img.Width) * 72 / sx), PPIY: round1(float64(img.Height) * 72 / sy),
		ColorSpace: cs, BitsPerComponent: img.BPC,
		Area:    Box{p.Bounds.X0, p.Bounds.Y0, p.Bounds.X1, p.Bounds.Y1},
		offPage: !visible,
	}
	s.images = append(s.images, info)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// colours records the colour spaces a painting operation uses.
func (s *pageScan) colours(p *content.Paint) {
	var two [2]content.Color // on the stack: a page of millions of paints makes no garbage here
	used := two[:0]
	switch {
	case p.Kind == content.KindImage && !p.Image.ImageMask:
		used = append(used, content.Color{Space: p.Image.ColorSpace})
	default:
		if p.Fill {
			used = append(used, p.FillColor)
		}
		if p.Stroke {
			used = append(used, p.StrokeColor)
		}
	}
	for _, c := range used {
		switch c.Space.Process() {
		case "rgb":
			s.rgb.add(p.Bounds)
			s.rgbKinds[kindName(p.Kind)] = true
		case "lab":
			s.lab.add(p.Bounds)
		case "spot":
			for _, n := range c.Space.Colorants {
				if isSpotName(n) {
					s.spots[n] = true
				}
			}
		}
	}
}

func kindName(k content.Kind) string {
	switch k {
	case content.KindImage:
		return "images"
	case content.KindText:
		return "text"
	case content.KindShading:
		return "gradients"
	}
	return "shapes"
}

// isSpotName tells real spot inks from the names a DeviceN or Separation
// space may use for process inks, registration (All) or nothing (None).
func isSpotName(n string) bool {
	switch n {
	case "", "None", "All", "Cyan", "Magenta", "Yellow", "Black":
		return false
	}
	return true
}

// scanPages interprets every page. It returns ctx.Err() or an
// *errUnusable when a limit stops the work.
// It returns the pages on which each font is used for visible text.
func (e *Engine) scanPages(ctx context.Context, r io.ReaderAt, doc *pdfobj.Doc, pages []page, p Profile, rep *Report) (map[string][]int, error) {
	cache := newDocCache(ctx, doc, e.opts.MaxStreamBytes)
	cache.budget = e.budget
	cache.raw, cache.encrypted = r, doc.Encryption() != nil
	cache.inkLimit = e.opts.MaxInkImageBytes
	cache.inkDeadline = time.Now().Add(e.opts.MaxInkImageTime)
	cache.skipBelow = p.MaxInkCoverage.lowest()
	inkOn := p.MaxInkCoverage.on()
	var scans []*pageScan
	used := map[string][]int{}
	left := content.Limits{MaxOps: e.opts.MaxOperators, MaxFormRepeatBytes: e.opts.MaxFormRepeatBytes}
	for _, pg := range pages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		opsBefore := left.MaxOps
		s, err := e.scanPage(ctx, cache, pg, &left, inkOn)
		if err != nil {
			return nil, err
		}
		rep.MaxPageOperators = max(rep.MaxPageOperators, opsBefore-left.MaxOps)
		scans = append(scans, s)
		rep.Inventory.Images = append(rep.Inventory.Images, s.images...)
		for k := range s.fonts {
			used[k] = append(used[k], pg.number)
		}
	}
	checkContent(rep, scans, p)
	return used, nil
}

// scanPage interprets one page within the file's budget left, and takes
// what the page used from it.
func (e *Engine) scanPage(ctx context.Context, cache *docCache, pg page, left *content.Limits, inkOn bool) (*pageScan, error) {
	mb := pg.info.effectiveBleed()
	s := &pageScan{number: pg.number, pageBox: content.Rect{X0: mb[0], Y0: mb[1], X1: mb[2], Y1: mb[3]},
		rgbKinds: map[string]bool{}, spots: map[string]bool{}, reasons: map[string]bool{}, fonts: map[string]bool{}}
	if inkOn {
		s.ink.c = cache
	}
	src, err := cache.pageContent(pg.dict)
	if err != nil {
		s.problems = append(s.problems, err.Error())
	}
	in := content.NewInterpreter(s, content.Limits{MaxOps: max(1, left.MaxOps), MaxFormRepeatBytes: max(1, left.MaxFormRepeatBytes)})
	err = in.Run(ctx, src, cache.resources(pg.res), content.Identity)
	left.MaxOps -= in.Ops()
	left.MaxFormRepeatBytes -= in.RepeatedFormBytes()
	if reason := src.damaged(); reason != "" {
		s.problems = append(s.problems, reason)
	}
	switch {
	case errors.Is(err, content.ErrLimit):
		return nil, unusable(tooComplex(pg.number, err))
	case err != nil:
		return nil, err
	}
	return s, nil
}
