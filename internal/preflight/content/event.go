package content

// Kind says what a Paint event paints.
type Kind int

// Kinds of painting.
const (
	KindPath Kind = iota + 1
	KindText
	KindImage
	KindShading
)

// Color is a colour as set in the content stream.
type Color struct {
	Space  ColorSpace
	Values []float64
}

// IsWhite reports whether c paints no ink at all in a process colour
// space: gray 1, RGB 1 1 1, CMYK 0 0 0 0 or Lab 100 0 0. Spot colours at
// tint 0 are left out on purpose: overprinting them is a common, deliberate
// technique.
func (c Color) IsWhite() bool {
	const eps = 0.002
	v := c.Values
	all := func(want float64) bool {
		if len(v) == 0 {
			return false
		}
		for _, x := range v {
			if x < want-eps || x > want+eps {
				return false
			}
		}
		return true
	}
	switch c.Space.Process() {
	case "gray", "rgb":
		return c.Space.Family != Indexed && c.Space.Family != Pattern && all(1)
	case "cmyk":
		return c.Space.Family != Indexed && c.Space.Family != Pattern && all(0)
	case "lab":
		return len(v) == 3 && v[0] > 100-eps && abs(v[1]) < eps && abs(v[2]) < eps
	}
	return false
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Paint is one painting operation with the graphics state it used.
type Paint struct {
	Kind Kind
	// Stroke and Fill say which parts are painted (paths and text).
	Stroke, Fill bool
	StrokeColor  Color
	FillColor    Color
	// StrokeOP and FillOP are the overprint flags in effect (OP and op).
	StrokeOP, FillOP bool
	// LineWidth is the effective stroke width in points after every matrix,
	// measured along the thinnest direction. 0 means a device-thinnest line.
	LineWidth float64
	// Bounds is the painted area in default user space, when known.
	Bounds Rect
	// CTM is the current transformation matrix at the time of painting.
	CTM Matrix

	// Text: the effective size in points (em height after the text and
	// graphics matrices) and the font.
	TextSize float64
	Font     FontInfo

	// Image describes an image placement.
	Image *ImageInfo

	// Transparency names the transparency in effect ("soft mask",
	// "opacity", "blend mode Multiply"), empty for opaque painting.
	Transparency string
}

// Visitor receives what a content stream paints.
type Visitor interface {
	// Paint is called for every painting operation. p is reused after the
	// call returns; copy what must be kept.
	Paint(p *Paint)
	// Problem reports content that could not be interpreted; the
	// interpreter goes on where it can.
	Problem(err error)
}
