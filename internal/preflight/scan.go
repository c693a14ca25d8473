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
	// annot is the first annotation found there when everything found
	// there comes from annotations; nil when the page's content adds to it.
	annot    *AnnotationRef
	fromPage bool
}

func (a *area) add(r content.Rect, annot *AnnotationRef) {
	if a.count == 0 {
		a.rect = content.EmptyRect
	}
	a.count++
	a.rect = a.rect.Union(r)
	switch {
	case annot == nil:
		a.fromPage, a.annot = true, nil
	case !a.fromPage && a.annot == nil:
		a.annot = annot
	}
}

// measure is the smallest value seen on a page, where, and how often.
type measure struct {
	area
	min float64
	// minAnnot is the annotation the smallest value comes from, or nil.
	minAnnot *AnnotationRef
}

func (m *measure) add(v float64, r content.Rect, annot *AnnotationRef) {
	if m.count == 0 || v < m.min {
		m.min, m.minAnnot = v, annot
	}
	m.area.add(r, annot)
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
	// inked bounds everything visible painted with ink, for PageInfo.ToEdge.
	inked    content.Rect
	problems []string
	// annot is the annotation whose appearance is being drawn; nil while
	// the page's own content is.
	annot *AnnotationRef
	// annotFonts holds the fonts used for visible text only by
	// annotations so far, with the first such annotation.
	annotFonts map[string]*AnnotationRef
	// annotFontInfo describes the fonts annotations use, for those the
	// inventory does not list (an interactive form's default resources).
	annotFontInfo map[string]content.FontInfo
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
		s.font(p.Font)
		if visible && !p.Font.Type3 && p.TextSize > 0.01 {
			s.text.add(p.TextSize, p.Bounds, s.annot)
		}
	case content.KindPath:
		if visible && p.Stroke {
			s.hairline.add(p.LineWidth, p.Bounds, s.annot)
		}
	}
	if !visible {
		return
	}
	if inks(p) && !p.Bounds.Empty() {
		s.inked = s.inked.Union(p.Bounds)
	}
	s.colours(p)
	s.ink.paint(p, s.annot)
	if (p.Stroke && p.StrokeOP && p.StrokeColor.IsWhite()) || (p.Fill && p.FillOP && p.FillColor.IsWhite() && (p.Image == nil || p.Image.ImageMask)) {
		s.whiteOP.add(p.Bounds, s.annot)
	}
	if p.Transparency != "" {
		s.transp.add(p.Bounds, s.annot)
		s.reasons[p.Transparency] = true
	}
}

// font records a font used for visible text, and whether only
// annotations use it.
func (s *pageScan) font(f content.FontInfo) {
	key := fontKey(f)
	if s.annot != nil {
		if s.annotFontInfo == nil {
			s.annotFontInfo = map[string]content.FontInfo{}
		}
		s.annotFontInfo[key] = f
	}
	switch {
	case s.annot == nil:
		delete(s.annotFonts, key)
	case !s.fonts[key]:
		if s.annotFonts == nil {
			s.annotFonts = map[string]*AnnotationRef{}
		}
		s.annotFonts[key] = s.annot
	}
	s.fonts[key] = true
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
		Area:       Box{p.Bounds.X0, p.Bounds.Y0, p.Bounds.X1, p.Bounds.Y1},
		Annotation: s.annot,
		offPage:    !visible,
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
			s.rgb.add(p.Bounds, s.annot)
			s.rgbKinds[kindName(p.Kind)] = true
		case "lab":
			s.lab.add(p.Bounds, s.annot)
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
// It returns where each font is used for visible text.
func (e *Engine) scanPages(ctx context.Context, r io.ReaderAt, doc *pdfobj.Doc, pages []page, p Profile, rep *Report) (fontUse, error) {
	cache := newDocCache(ctx, doc, e.opts.MaxStreamBytes)
	cache.budget = e.budget
	cache.raw, cache.encrypted = r, doc.Encryption() != nil
	cache.inkLimit = e.opts.MaxInkImageBytes
	cache.inkDeadline = time.Now().Add(e.opts.MaxInkImageTime)
	cache.skipBelow = p.MaxInkCoverage.lowest()
	cache.formDR = cache.acroFormDR()
	inkOn := p.MaxInkCoverage.on()
	var scans []*pageScan
	used := map[string][]int{}
	annotOnly := map[string]*AnnotationRef{} // fonts only annotations use, so far
	annotInfo := map[string]content.FontInfo{}
	left := content.Limits{MaxOps: e.opts.MaxOperators, MaxFormRepeatBytes: e.opts.MaxFormRepeatBytes}
	for _, pg := range pages {
		if err := ctx.Err(); err != nil {
			return fontUse{}, err
		}
		opsBefore := left.MaxOps
		s, err := e.scanPage(ctx, cache, pg, &left, inkOn)
		if err != nil {
			return fontUse{}, err
		}
		rep.MaxPageOperators = max(rep.MaxPageOperators, opsBefore-left.MaxOps)
		if i := pg.number - 1; i >= 0 && i < len(rep.Inventory.Pages) {
			rep.Inventory.Pages[i].ToEdge = reachesEdge(s.inked, pg.info.effectiveTrim())
		}
		scans = append(scans, s)
		rep.Inventory.Images = append(rep.Inventory.Images, s.images...)
		for k := range s.fonts {
			if a := s.annotFonts[k]; a != nil && (len(used[k]) == 0 || annotOnly[k] != nil) {
				if annotOnly[k] == nil {
					annotOnly[k] = a
				}
			} else {
				delete(annotOnly, k)
			}
			used[k] = append(used[k], pg.number)
		}
		for k, f := range s.annotFontInfo {
			annotInfo[k] = f
		}
	}
	checkContent(rep, scans, p)
	return fontUse{pages: used, annotOnly: annotOnly, annotInfo: annotInfo}, nil
}

// fontUse is where fonts are used for visible text: the pages of each,
// and the first annotation of those only annotations use.
type fontUse struct {
	pages     map[string][]int
	annotOnly map[string]*AnnotationRef
	annotInfo map[string]content.FontInfo
}

// scanPage interprets one page within the file's budget left, and takes
// what the page used from it.
func (e *Engine) scanPage(ctx context.Context, cache *docCache, pg page, left *content.Limits, inkOn bool) (*pageScan, error) {
	mb := pg.info.effectiveBleed()
	s := &pageScan{number: pg.number, pageBox: content.Rect{X0: mb[0], Y0: mb[1], X1: mb[2], Y1: mb[3]},
		rgbKinds: map[string]bool{}, spots: map[string]bool{}, reasons: map[string]bool{}, fonts: map[string]bool{},
		inked: content.EmptyRect}
	if inkOn {
		s.ink.c = cache
	}
	src, err := cache.pageContent(pg.dict)
	if err != nil {
		s.problems = append(s.problems, err.Error())
	}
	in := content.NewInterpreter(s, content.Limits{MaxOps: max(1, left.MaxOps), MaxFormRepeatBytes: max(1, left.MaxFormRepeatBytes)})
	err = in.Run(ctx, src, cache.resources(pg.res), content.Identity)
	if err == nil {
		err = scanAnnotations(ctx, cache, pg, in, s)
	}
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

// scanAnnotations draws the appearances of the page's annotations that
// print on the page's interpreter, after its content as viewers draw
// them, so that they share the page's limits.
func scanAnnotations(ctx context.Context, cache *docCache, pg page, in *content.Interpreter, s *pageScan) error {
	defer func() { s.annot = nil }()
	for _, a := range cache.printedAnnotations(pg) {
		s.annot = &a.ref
		if err := in.RunForm(ctx, a.form, cache.resources(a.res), a.ctm); err != nil {
			return err
		}
	}
	return nil
}

// inks reports whether a painting operation puts ink on the paper: an
// image, a shading, or a fill or stroke in a colour that is not white.
func inks(p *content.Paint) bool {
	switch {
	case p.Kind == content.KindShading:
		return true
	case p.Kind == content.KindImage && !p.Image.ImageMask:
		return true
	}
	return (p.Fill && !p.FillColor.IsWhite()) || (p.Stroke && !p.StrokeColor.IsWhite())
}

// edgeReach is how close to the trim's edge ink must come to run to it:
// a quarter of a millimetre, less than the thinnest white margin a
// designer means.
const edgeReach = 0.7

// reachesEdge reports whether the inked area touches or crosses any edge
// of trim.
func reachesEdge(inked content.Rect, trim Box) bool {
	if inked.Empty() {
		return false
	}
	return inked.X0 <= trim[0]+edgeReach || inked.Y0 <= trim[1]+edgeReach ||
		inked.X1 >= trim[2]-edgeReach || inked.Y1 >= trim[3]-edgeReach
}
