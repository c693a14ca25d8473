package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
)

// Limits bound the work one interpretation may do, so that a hostile file
// (endless forms, billions of operators, deep q nesting) ends as a finding
// instead of a hang.
type Limits struct {
	// MaxOps is the number of operators interpreted in all, over every
	// stream given to one Interpreter. Default 50 million.
	MaxOps int
	// MaxFormDepth is how deeply forms may nest. Default 32.
	MaxFormDepth int
	// MaxSaveDepth is how deeply q may nest. Default 512.
	MaxSaveDepth int
	// MaxFormRepeatBytes bounds the form content interpreted again because
	// a form is drawn more than once: a form of n bytes drawn k times costs
	// (k-1)·n, counted at every depth. Forms drawing forms multiply: ten
	// drawings of the next form, six deep, is a million drawings from a
	// file of a few kilobytes, which asks for minutes of work while its
	// operators stay under MaxOps. Default 32 MiB, about a second of work.
	MaxFormRepeatBytes int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxOps <= 0 {
		l.MaxOps = 50_000_000
	}
	if l.MaxFormDepth <= 0 {
		l.MaxFormDepth = 32
	}
	if l.MaxSaveDepth <= 0 {
		l.MaxSaveDepth = 512
	}
	if l.MaxFormRepeatBytes <= 0 {
		l.MaxFormRepeatBytes = 32 << 20
	}
	return l
}

// ErrLimit reports that interpretation stopped at one of the Limits.
var ErrLimit = errors.New("content too complex")

type gstate struct {
	ctm                    Matrix
	lineWidth              float64
	stroke, fill           Color
	strokePat, fillPat     *ColorSpace // colour space a pattern paints in
	strokeOP, fillOP       bool
	strokeAlpha, fillAlpha float64
	softMask               bool
	blend                  string
	font                   FontInfo
	fontSize               float64
	charSpace, wordSpace   float64
	hscale, leading, rise  float64
	renderMode             int
}

func newGState(ctm Matrix) gstate {
	return gstate{
		ctm: ctm, lineWidth: 1, hscale: 1, strokeAlpha: 1, fillAlpha: 1,
		stroke: Color{Space: Device(DeviceGray), Values: []float64{0}},
		fill:   Color{Space: Device(DeviceGray), Values: []float64{0}},
	}
}

// Interpreter follows the graphics state through content streams.
type Interpreter struct {
	v      Visitor
	limits Limits
	ops    int
	ctx    context.Context

	gs       gstate
	stack    []gstate
	forms    []string          // IDs of the forms being drawn, to catch cycles
	drawn    map[string][]byte // forms drawn so far, with their content while kept
	kept     int               // bytes of form content kept in drawn
	repeated int64             // bytes of form content interpreted again
	res      Resources
	operands []Object

	// text object state
	tm, tlm Matrix

	// current path
	path     Rect
	pathOpen bool

	paint Paint // reused for every event

	lexers []*Lexer // one per form depth, reused (see lexer)
}

// NewInterpreter returns an interpreter that reports to v.
func NewInterpreter(v Visitor, l Limits) *Interpreter {
	return &Interpreter{v: v, limits: l.withDefaults()}
}

// Ops returns the number of operators interpreted so far.
func (in *Interpreter) Ops() int { return in.ops }

// RepeatedFormBytes returns the bytes of form content interpreted again so
// far, which MaxFormRepeatBytes bounds.
func (in *Interpreter) RepeatedFormBytes() int64 { return in.repeated }

// Run interprets one page (or annotation appearance): content with res,
// starting from the matrix ctm. content is read as it is interpreted, never
// held. It returns ErrLimit (wrapped) when a limit is reached, or a read
// error wrapping it, and ctx.Err() when ctx ends; syntax errors and other
// read errors are reported to the Visitor and end only the stream they
// are in.
func (in *Interpreter) Run(ctx context.Context, content io.Reader, res Resources, ctm Matrix) error {
	in.ctx = ctx
	in.gs = newGState(ctm)
	in.stack = in.stack[:0]
	in.forms = in.forms[:0]
	in.res = res
	return in.run(content)
}

// RunForm draws the form f at ctm with res as its parent resources, as an
// annotation's appearance stream is drawn (PDF 32000-1 12.5.5: ctm maps
// the appearance's transformed BBox onto the annotation's Rect; f.Matrix is
// applied here, as for a Do). It goes through the same limits as a form
// drawn by a page, and on the same interpreter counts against the same
// budget: a form drawn again, by the page or another annotation, counts
// its bytes again, and a form that draws itself is refused. The drawing
// itself counts as one operator, so that a page listing the same empty
// appearance millions of times still reaches MaxOps.
func (in *Interpreter) RunForm(ctx context.Context, f *FormInfo, res Resources, ctm Matrix) error {
	in.ctx = ctx
	if err := ctx.Err(); err != nil {
		return err
	}
	in.ops++
	if in.ops > in.limits.MaxOps {
		return fmt.Errorf("%w: more than %d operators", ErrLimit, in.limits.MaxOps)
	}
	in.gs = newGState(ctm)
	in.stack = in.stack[:0]
	in.forms = in.forms[:0]
	in.res = res
	in.tm, in.tlm = Identity, Identity
	return in.form(f)
}

func (in *Interpreter) run(content io.Reader) error {
	lx := in.lexer(content)
	base := len(in.stack)
	defer func() {
		// An unbalanced q inside a stream must not leak into its caller.
		if len(in.stack) > base {
			in.gs = in.stack[base]
			in.stack = in.stack[:base]
		}
	}()
	in.operands = in.operands[:0]
	for {
		tok, err := lx.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrLimit) || in.ctx.Err() != nil {
				return err
			}
			in.v.Problem(fmt.Errorf("at byte %d: %w", lx.Pos(), err))
			return nil
		}
		if tok.Op == "" {
			if len(in.operands) < 64 {
				in.operands = append(in.operands, tok.Operand)
			}
			continue
		}
		in.ops++
		if in.ops > in.limits.MaxOps {
			return fmt.Errorf("%w: more than %d operators", ErrLimit, in.limits.MaxOps)
		}
		if in.ops&0xfff == 0 {
			if err := in.ctx.Err(); err != nil {
				return err
			}
		}
		if err := in.do(tok.Op, lx); err != nil {
			return err
		}
		in.operands = in.operands[:0]
	}
}

// nums returns the operands as n numbers, or ok false.
func (in *Interpreter) nums(n int) ([]float64, bool) {
	if len(in.operands) < n {
		return nil, false
	}
	ops := in.operands[len(in.operands)-n:]
	out := make([]float64, n)
	for i, o := range ops {
		f, ok := o.(float64)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

func (in *Interpreter) num() (float64, bool) {
	v, ok := in.nums(1)
	if !ok {
		return 0, false
	}
	return v[0], true
}

func (in *Interpreter) name() (Name, bool) {
	if len(in.operands) == 0 {
		return "", false
	}
	n, ok := in.operands[len(in.operands)-1].(Name)
	return n, ok
}

func (in *Interpreter) do(op string, lx *Lexer) error {
	switch op {
	case "q":
		if len(in.stack) < in.limits.MaxSaveDepth {
			in.stack = append(in.stack, in.gs)
		}
	case "Q":
		if n := len(in.stack); n > 0 {
			in.gs = in.stack[n-1]
			in.stack = in.stack[:n-1]
		}
	case "cm":
		if m, ok := in.nums(6); ok {
			in.gs.ctm = Matrix(m).Mul(in.gs.ctm)
		}
	case "w":
		if w, ok := in.num(); ok {
			in.gs.lineWidth = w
		}
	case "gs":
		in.extGState()
	case "Do":
		return in.doXObject()
	case "BI":
		d, err := lx.InlineImage()
		if err != nil {
			in.v.Problem(err)
			return nil
		}
		in.inlineImage(d, lx.InlineData())
	case "sh":
		in.shading()
	default:
		if in.pathOp(op) || in.colourOp(op) || in.textOp(op) {
			return nil
		}
	}
	return nil
}

func (in *Interpreter) extGState() {
	n, ok := in.name()
	if !ok || in.res == nil {
		return
	}
	g, ok := in.res.ExtGState(n)
	if !ok {
		in.v.Problem(fmt.Errorf("graphics state /%s is missing", n))
		return
	}
	if g.LineWidth != nil {
		in.gs.lineWidth = *g.LineWidth
	}
	if g.StrokeOP != nil {
		in.gs.strokeOP = *g.StrokeOP
		if g.FillOP == nil { // op defaults to OP
			in.gs.fillOP = *g.StrokeOP
		}
	}
	if g.FillOP != nil {
		in.gs.fillOP = *g.FillOP
	}
	if g.StrokeAlpha != nil {
		in.gs.strokeAlpha = *g.StrokeAlpha
	}
	if g.FillAlpha != nil {
		in.gs.fillAlpha = *g.FillAlpha
	}
	if g.SoftMask != nil {
		in.gs.softMask = *g.SoftMask
	}
	if g.BlendMode != nil {
		in.gs.blend = *g.BlendMode
	}
}

// transparency names what makes painting with the given alphas transparent.
func (in *Interpreter) transparency(stroke, fill bool) string {
	switch {
	case in.gs.softMask:
		return "soft mask"
	case stroke && in.gs.strokeAlpha < 1, fill && in.gs.fillAlpha < 1:
		return "opacity"
	case in.gs.blend != "" && in.gs.blend != "Normal" && in.gs.blend != "Compatible":
		return "blend mode " + in.gs.blend
	}
	return ""
}

// begin resets the shared Paint event with the current state.
func (in *Interpreter) begin(k Kind) *Paint {
	p := &in.paint
	*p = Paint{
		Kind: k, CTM: in.gs.ctm,
		StrokeColor: in.gs.stroke, FillColor: in.gs.fill,
		StrokeOP: in.gs.strokeOP, FillOP: in.gs.fillOP,
	}
	if in.gs.strokePat != nil {
		p.StrokeColor = Color{Space: *in.gs.strokePat}
	}
	if in.gs.fillPat != nil {
		p.FillColor = Color{Space: *in.gs.fillPat}
	}
	return p
}

func (in *Interpreter) doXObject() error {
	n, ok := in.name()
	if !ok || in.res == nil {
		return nil
	}
	x, ok := in.res.XObject(n)
	if !ok {
		in.v.Problem(fmt.Errorf("object /%s is missing", n))
		return nil
	}
	switch {
	case x.Image != nil:
		in.image(x.Image)
	case x.Form != nil:
		return in.form(x.Form)
	}
	return nil
}

func (in *Interpreter) image(img *ImageInfo) {
	p := in.begin(KindImage)
	p.Fill = true
	p.Image = img
	p.Bounds = Rect{0, 0, 1, 1}.Transform(in.gs.ctm)
	p.Transparency = in.transparency(false, true)
	if p.Transparency == "" && (img.HasSMask || img.SMaskInData) {
		p.Transparency = "soft mask"
	}
	in.v.Paint(p)
}

func (in *Interpreter) form(f *FormInfo) error {
	if len(in.forms) >= in.limits.MaxFormDepth {
		return fmt.Errorf("%w: forms nested more than %d deep", ErrLimit, in.limits.MaxFormDepth)
	}
	// A form that draws itself, directly or through others, is not a
	// drawing a printer can finish: PDFium draws it until its memory runs
	// out (2 GiB from a 1 KB file). So it is a limit, not a problem of
	// one stream that the rest of the page survives.
	for _, id := range in.forms {
		if id != "" && id == f.ID {
			return fmt.Errorf("%w: form %s draws itself", ErrLimit, f.ID)
		}
	}
	// A form that cannot be read is damaged content, as a page stream
	// would be, not a drawing to skip in silence: what it draws goes
	// unchecked. One over a limit ends the page, as a page stream's does.
	src, err := in.formContent(f)
	switch {
	case errors.Is(err, ErrLimit):
		return fmt.Errorf("form %s: %w", f.ID, err)
	case err != nil:
		in.v.Problem(fmt.Errorf("%w: form %s cannot be read: %v", ErrSyntax, f.ID, err))
		return nil
	}
	saved, savedRes, savedOperands := in.gs, in.res, in.operands
	savedTm, savedTlm := in.tm, in.tlm
	in.gs.ctm = f.Matrix.Mul(in.gs.ctm)
	if f.Resources != nil {
		in.res = f.Resources
	}
	in.forms = append(in.forms, f.ID)
	in.operands = nil
	err = in.run(src)
	src.done()
	in.forms = in.forms[:len(in.forms)-1]
	in.gs, in.res, in.operands = saved, savedRes, savedOperands[:0]
	in.tm, in.tlm = savedTm, savedTlm
	return err
}

// Forms kept decoded, so that a form drawn again is not decoded again:
// decoding a small compressed form costs more than interpreting it. Only
// small forms are kept (nested-form bombs are small forms), and only up
// to maxKeptForms together.
const (
	maxKeptForm  = 64 << 10
	maxKeptForms = 16 << 20
)

// formContent returns a reader of f's content: what was kept of it, or
// decoded as it is read.
func (in *Interpreter) formContent(f *FormInfo) (*formReader, error) {
	kept, seen := in.drawn[f.ID]
	fr := &formReader{in: in, id: f.ID, again: seen || f.ID == ""}
	switch {
	case kept != nil:
		fr.r = bytes.NewReader(kept)
	default:
		r, err := f.Content()
		if err != nil {
			return nil, err
		}
		fr.r = r
		if !seen && f.ID != "" {
			fr.keep = &bytes.Buffer{}
		}
	}
	return fr, nil
}

// formReader reads one drawing of a form. A drawing after a form's first
// counts its bytes against MaxFormRepeatBytes as they are read, so a form
// of n bytes drawn k times costs k × n; a form without an ID cannot be
// told from another, so all its drawings count. A first drawing keeps a
// small form's content.
type formReader struct {
	in    *Interpreter
	id    string
	r     io.Reader
	again bool
	keep  *bytes.Buffer // the first drawing's bytes while small; nil otherwise
	eof   bool
}

func (fr *formReader) Read(p []byte) (int, error) {
	n, err := fr.r.Read(p)
	if fr.again {
		fr.in.repeated += int64(n)
		if fr.in.repeated > fr.in.limits.MaxFormRepeatBytes {
			return n, fmt.Errorf("%w: forms drawn again add up to more than %d MiB of content", ErrLimit, fr.in.limits.MaxFormRepeatBytes>>20)
		}
	}
	if fr.keep != nil {
		if fr.keep.Len()+n > maxKeptForm {
			fr.keep = nil
		} else {
			fr.keep.Write(p[:n])
		}
	}
	fr.eof = fr.eof || err == io.EOF
	if err != nil && err != io.EOF && !errors.Is(err, ErrLimit) {
		// Damage, as a syntax error is: run reports it once.
		err = fmt.Errorf("%w: form %s is damaged: %w", ErrSyntax, fr.id, err)
	}
	return n, err
}

// done records the drawing: the form is known from now on, with its
// content when it was read whole and is small enough to keep.
func (fr *formReader) done() {
	in := fr.in
	if fr.id == "" {
		return
	}
	if _, seen := in.drawn[fr.id]; seen {
		return
	}
	if in.drawn == nil {
		in.drawn = map[string][]byte{}
	}
	var data []byte
	if fr.keep != nil && fr.eof && in.kept+fr.keep.Len() <= maxKeptForms {
		data = fr.keep.Bytes()
		in.kept += len(data)
	}
	in.drawn[fr.id] = data
}

func (in *Interpreter) shading() {
	n, ok := in.name()
	if !ok || in.res == nil {
		return
	}
	cs, ok := in.res.Shading(n)
	if !ok {
		in.v.Problem(fmt.Errorf("shading /%s is missing", n))
		return
	}
	p := in.begin(KindShading)
	p.Fill = true
	p.FillColor = Color{Space: cs}
	p.Transparency = in.transparency(false, true)
	in.v.Paint(p)
}
