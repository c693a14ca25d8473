package pdffix

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/atomyx/submit/internal/preflight/content"
)

// The scale and bleed fixes draw a page's content again, moved, without
// copying it: the page's /Contents becomes an array of the original
// content streams, referenced as they are, between small streams of our
// own that save the graphics state, set a clip and a transformation, and
// restore it. That is only safe when the original leaves the graphics
// state as it found it, so it is read first (readBalance); a page whose
// content restores more than it saves, leaves a text object open or
// cannot be read is not changed.

// maxContentBytes bounds what is decoded of one page's content to check
// it: a page that draws more is not wrapped.
const maxContentBytes = 64 << 20

// errUnbalanced marks content whose graphics state cannot be wrapped.
var errUnbalanced = errors.New("the page's drawing cannot be wrapped safely")

// contentRefs returns the streams the page draws, in order: /Contents as
// one stream, or an array of streams, direct or not.
func (f *fixer) contentRefs(p *page) ([]types.Object, error) {
	c := p.dict["Contents"]
	if c == nil {
		return nil, nil
	}
	if ref, ok := c.(types.IndirectRef); ok {
		o, err := f.doc.Dereference(ref)
		if err != nil {
			return nil, err
		}
		switch o := o.(type) {
		case nil:
			return nil, nil
		case types.StreamDict:
			return []types.Object{ref}, nil
		case types.Array:
			c = o
		default:
			return nil, fmt.Errorf("/Contents is a %T", o)
		}
	}
	arr, ok := c.(types.Array)
	if !ok {
		return nil, fmt.Errorf("/Contents is a %T", c)
	}
	refs := make([]types.Object, 0, len(arr))
	for _, e := range arr {
		if _, ok := e.(types.IndirectRef); !ok {
			return nil, errors.New("/Contents holds something that is not a reference")
		}
		refs = append(refs, e)
	}
	return refs, nil
}

// readBalance reads the page's content and returns the number of graphics
// states it saves and leaves unrestored; the wrapping restores them.
// Content a fix has already wrapped is balanced by construction.
func (f *fixer) readBalance(p *page, refs []types.Object) (open int, err error) {
	if p.wrapped {
		return 0, nil
	}
	var readers []io.Reader
	for _, ref := range refs {
		sd, err := f.doc.DereferenceStreamDict(ref)
		if err != nil || sd == nil {
			return 0, fmt.Errorf("%w: a content stream cannot be read (%v)", errUnbalanced, err)
		}
		r, err := f.doc.StreamReader(sd, maxContentBytes)
		if err != nil {
			return 0, fmt.Errorf("%w: %v", errUnbalanced, err)
		}
		// Streams of an array are one content stream, split between
		// tokens: a space keeps them apart.
		readers = append(readers, r, strings.NewReader("\n"))
	}
	lx := content.NewLexer(&capped{r: io.MultiReader(readers...), left: maxContentBytes})
	depth, inText := 0, false
	for n := 0; ; n++ {
		if n&0xfff == 0 {
			if err := f.ctx.Err(); err != nil {
				return 0, err
			}
		}
		tok, err := lx.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%w: %v", errUnbalanced, err)
		}
		switch tok.Op {
		case "q":
			depth++
		case "Q":
			if depth--; depth < 0 {
				return 0, fmt.Errorf("%w: it restores a graphics state it did not save", errUnbalanced)
			}
		case "BT":
			if inText {
				return 0, fmt.Errorf("%w: a text object begins inside another", errUnbalanced)
			}
			inText = true
		case "ET":
			if !inText {
				return 0, fmt.Errorf("%w: a text object ends that did not begin", errUnbalanced)
			}
			inText = false
		case "BI":
			if _, err := lx.InlineImage(); err != nil {
				return 0, fmt.Errorf("%w: %v", errUnbalanced, err)
			}
		}
	}
	if inText {
		return 0, fmt.Errorf("%w: a text object is left open", errUnbalanced)
	}
	return depth, nil
}

// capped reads r up to left bytes, and fails past them: a page's content
// cut short could read as balanced when it is not.
type capped struct {
	r    io.Reader
	left int64
}

func (c *capped) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("the page's content is more than %d MiB", maxContentBytes>>20)
	}
	n, err := c.r.Read(p[:min(int64(len(p)), c.left)])
	c.left -= int64(n)
	return n, err
}

// drawing is one more drawing of a page's content: clipped to clip, in
// the page's space, then through the matrix m.
type drawing struct {
	clip box
	m    matrix
}

// wrap replaces the page's /Contents with its content drawn once per
// drawing, in order. It returns errUnbalanced (wrapped) when the content
// cannot be drawn again safely; the page is then unchanged.
func (f *fixer) wrap(p *page, draws []drawing) error {
	refs, err := f.contentRefs(p)
	if err != nil {
		return fmt.Errorf("%w: %v", errUnbalanced, err)
	}
	open, err := f.readBalance(p, refs)
	if err != nil {
		return err
	}
	snippets := f.snippetsFor(draws, open)
	arr := make(types.Array, 0, len(snippets)+len(draws)*len(refs))
	for i, s := range snippets {
		arr = append(arr, s)
		if i < len(draws) {
			arr = append(arr, refs...)
		}
	}
	p.dict["Contents"] = arr
	p.wrapped = true
	return nil
}

// wrapKey names the snippets of one wrapping: pages of one size share
// them. It holds up to the nine drawings of the bleed fix.
type wrapKey struct {
	draws   [9]drawing
	n, open int
}

// snippetsFor returns the streams that go between the drawings of the
// content: before the first, between each two, and after the last, which
// restore the graphics state (and the open states of the content) and set
// up the next drawing.
func (f *fixer) snippetsFor(draws []drawing, open int) []types.IndirectRef {
	key := wrapKey{n: len(draws), open: open}
	cached := len(draws) <= len(key.draws)
	copy(key.draws[:], draws)
	if refs, ok := f.wraps[key]; ok && cached {
		return refs
	}
	restore := strings.Repeat("Q\n", open+1)
	var refs []types.IndirectRef
	for i, d := range draws {
		var s strings.Builder
		if i > 0 {
			s.WriteString(restore)
		}
		fmt.Fprintf(&s, "q %s %s %s %s re W n %s cm\n",
			pdfNum(d.clip[0]), pdfNum(d.clip[1]), pdfNum(d.clip.width()), pdfNum(d.clip.height()), d.m)
		refs = append(refs, f.snippet(s.String()))
	}
	refs = append(refs, f.snippet(restore))
	if cached {
		f.wraps[key] = refs
	}
	return refs
}

// snippet returns a reference to a new content stream holding text,
// shared by every page that needs the same.
func (f *fixer) snippet(text string) types.IndirectRef {
	num, ok := f.snippets[text]
	if !ok {
		// A leading newline keeps the stream's first token apart from
		// the last of the stream before it.
		num = f.u.addStream(types.Dict{}, []byte("\n"+text))
		f.snippets[text] = num
	}
	return *types.NewIndirectRef(num, 0)
}

// matrix is a PDF transformation [a b c d e f].
type matrix [6]float64

// identity is the matrix that changes nothing.
var identity = matrix{1, 0, 0, 1, 0, 0}

func (m matrix) String() string {
	parts := make([]string, 6)
	for i, v := range m {
		parts[i] = pdfNum(v)
	}
	return strings.Join(parts, " ")
}

// apply maps the point (x, y).
func (m matrix) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// box maps b, for the matrices of these fixes (scales and mirrors), which
// keep rectangles rectangles.
func (m matrix) box(b box) box {
	x0, y0 := m.apply(b[0], b[1])
	x1, y1 := m.apply(b[2], b[3])
	return box{min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)}
}

// pdfNum writes a number for a content stream: no exponent, at most six
// decimals, no trailing zeros.
func pdfNum(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}
