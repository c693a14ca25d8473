package content

import (
	"context"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

func TestLexerTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string // %v of operands, "OP:name" for operators
	}{
		{"1 0 0 1 10.5 -3 cm", []string{"1", "0", "0", "1", "10.5", "-3", "OP:cm"}},
		{"/F#201 12 Tf", []string{"F 1", "12", "OP:Tf"}},
		{"(a\\(b\\)c) Tj", []string{"a(b)c", "OP:Tj"}},
		{"(nested (paren) ok) Tj", []string{"nested (paren) ok", "OP:Tj"}},
		{"<48 65 6c6C6f> Tj", []string{"Hello", "OP:Tj"}},
		{"[(A) -120 (B)] TJ", []string{"[A -120 B]", "OP:TJ"}},
		{"% comment\nq Q", []string{"OP:q", "OP:Q"}},
		{"--5 .5 g", []string{"-5", "0.5", "OP:g"}},
		{"/P <</MCID 3>> BDC", []string{"P", "map[MCID:3]", "OP:BDC"}},
		{"true false null", []string{"true", "false", "<nil>"}},
		{"(\\101\\102) Tj", []string{"AB", "OP:Tj"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var got []string
			lx := NewLexer(strings.NewReader(tt.in))
			for {
				tok, err := lx.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				if tok.Op != "" {
					got = append(got, "OP:"+tok.Op)
					continue
				}
				got = append(got, format(tok.Operand))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func format(o Object) string {
	switch o := o.(type) {
	case String:
		return string(o)
	case Array:
		parts := make([]string, len(o))
		for i, e := range o {
			parts[i] = format(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case float64:
		return strings.TrimRight(strings.TrimRight(ftoa(o), "0"), ".")
	}
	return strings.TrimSpace(sprint(o))
}

func TestLexerErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"(unterminated", "<4142", strings.Repeat("[", 100) + "1"} {
		lx := NewLexer(strings.NewReader(in))
		var err error
		for i := 0; i < 1000 && err == nil; i++ {
			_, err = lx.Next()
		}
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%.20q: err = %v, want ErrSyntax", in, err)
		}
	}
}

func TestMatrixScales(t *testing.T) {
	t.Parallel()
	r := math.Sqrt2 / 2
	tests := []struct {
		name        string
		m           Matrix
		x, y, minSc float64
	}{
		{"identity", Identity, 1, 1, 1},
		{"scale 2x3", Matrix{2, 0, 0, 3, 5, 5}, 2, 3, 2},
		{"rotate 45 scale 4", Matrix{4 * r, 4 * r, -4 * r, 4 * r, 0, 0}, 4, 4, 4},
		{"rotate 90", Matrix{0, 1, -1, 0, 0, 0}, 1, 1, 1},
		{"flat", Matrix{1, 0, 0, 0, 0, 0}, 1, 0, 0},
	}
	for _, tt := range tests {
		if !near(tt.m.XScale(), tt.x) || !near(tt.m.YScale(), tt.y) || !near(tt.m.MinScale(), tt.minSc) {
			t.Errorf("%s: scales = %v %v %v, want %v %v %v", tt.name,
				tt.m.XScale(), tt.m.YScale(), tt.m.MinScale(), tt.x, tt.y, tt.minSc)
		}
	}
	// cm concatenation: translate then scale inside it.
	m := Matrix{2, 0, 0, 2, 0, 0}.Mul(Matrix{1, 0, 0, 1, 10, 20})
	if x, y := m.Apply(1, 1); !near(x, 12) || !near(y, 22) {
		t.Errorf("Apply = %v %v, want 12 22", x, y)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// fakeRes is a Resources made of maps, for tests.
type fakeRes struct {
	spaces  map[Name]ColorSpace
	gstates map[Name]ExtGState
	xobjs   map[Name]XObject
	fonts   map[Name]FontInfo
}

func (r fakeRes) ColorSpace(n Name) (ColorSpace, bool) { c, ok := r.spaces[n]; return c, ok }
func (r fakeRes) ExtGState(n Name) (ExtGState, bool)   { g, ok := r.gstates[n]; return g, ok }
func (r fakeRes) XObject(n Name) (XObject, bool)       { x, ok := r.xobjs[n]; return x, ok }
func (r fakeRes) Font(n Name) (FontInfo, bool)         { f, ok := r.fonts[n]; return f, ok }
func (r fakeRes) Shading(n Name) (ColorSpace, bool)    { c, ok := r.spaces[n]; return c, ok }
func (r fakeRes) Pattern(n Name) (ColorSpace, bool)    { c, ok := r.spaces[n]; return c, ok }

type recorder struct {
	paints   []Paint
	problems []error
}

func (r *recorder) Paint(p *Paint)    { r.paints = append(r.paints, *p) }
func (r *recorder) Problem(err error) { r.problems = append(r.problems, err) }

func run(t *testing.T, content string, res Resources) *recorder {
	t.Helper()
	rec := &recorder{}
	in := NewInterpreter(rec, Limits{})
	if err := in.Run(context.Background(), strings.NewReader(content), res, Identity); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rec
}

func testRes() fakeRes {
	img := &ImageInfo{ID: "5 0", Width: 300, Height: 300, BPC: 8, ColorSpace: Device(DeviceRGB)}
	op := true
	return fakeRes{
		spaces: map[Name]ColorSpace{
			"CS0": {Family: Separation, N: 1, Colorants: []string{"PANTONE 185 C"}},
		},
		gstates: map[Name]ExtGState{"OP": {StrokeOP: &op}},
		xobjs: map[Name]XObject{
			"Im": {Image: img},
			"Fm": {Form: &FormInfo{ID: "7 0", Matrix: Matrix{2, 0, 0, 2, 0, 0},
				Content: func() (io.Reader, error) { return strings.NewReader("q 72 0 0 72 0 0 cm /Im Do Q"), nil }}},
			"Loop": {Form: &FormInfo{ID: "8 0", Matrix: Identity,
				Content: func() (io.Reader, error) { return strings.NewReader("/Loop Do"), nil }}},
		},
		fonts: map[Name]FontInfo{"F1": {ID: "9 0", Name: "Helvetica", Type: "Type1"}},
	}
}

func TestInterpreterImages(t *testing.T) {
	t.Parallel()
	r := math.Sqrt2 / 2
	tests := []struct {
		name       string
		content    string
		wantXScale float64 // points per image width
		wantYScale float64
	}{
		{"one inch", "q 72 0 0 72 0 0 cm /Im Do Q", 72, 72},
		{"form scaled x2", "/Fm Do", 144, 144},
		{"form inside cm x0.5", "0.5 0 0 0.5 0 0 cm /Fm Do", 72, 72},
		{"rotated 45", fmtMatrix(144*r, 144*r, -144*r, 144*r) + " cm /Im Do", 144, 144},
		{"stretched", "216 0 0 72 0 0 cm /Im Do", 216, 72},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := run(t, tt.content, testRes())
			if len(rec.paints) != 1 || rec.paints[0].Kind != KindImage {
				t.Fatalf("paints = %+v, want one image", rec.paints)
			}
			ctm := rec.paints[0].CTM
			if math.Abs(ctm.XScale()-tt.wantXScale) > 1e-6 || math.Abs(ctm.YScale()-tt.wantYScale) > 1e-6 {
				t.Errorf("scales = %v × %v, want %v × %v", ctm.XScale(), ctm.YScale(), tt.wantXScale, tt.wantYScale)
			}
		})
	}
}

func fmtMatrix(a, b, c, d float64) string {
	return ftoa(a) + " " + ftoa(b) + " " + ftoa(c) + " " + ftoa(d) + " 0 0"
}

func TestInterpreterState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		check   func(p Paint) string
	}{
		{"hairline under scale", "0.5 0 0 0.5 0 0 cm 0.2 w 0 0 m 100 0 l S", func(p Paint) string {
			return want(p.Stroke && near(p.LineWidth, 0.1), "stroke 0.1 pt", p)
		}},
		{"zero width", "0 w 0 0 m 1 1 l S", func(p Paint) string {
			return want(p.LineWidth == 0, "width 0", p)
		}},
		{"text size through Tm and cm", "2 0 0 2 0 0 cm BT /F1 4 Tf 1.5 0 0 1.5 0 0 Tm (Hi) Tj ET", func(p Paint) string {
			return want(near(p.TextSize, 12) && p.Font.Name == "Helvetica" && p.Fill, "12 pt Helvetica", p)
		}},
		{"text in a missing font", "BT /F1 10 Tf /F9 8 Tf (x) Tj ET", func(p Paint) string {
			return want(p.Font.Missing && p.Font.Name == "F9" && near(p.TextSize, 8), "8 pt in the missing /F9", p)
		}},
		{"q Q restores the font", "BT /F1 10 Tf q /F9 8 Tf Q (x) Tj ET", func(p Paint) string {
			return want(p.Font.Name == "Helvetica" && near(p.TextSize, 10), "10 pt Helvetica", p)
		}},
		{"invisible text", "BT /F1 10 Tf 3 Tr (x) Tj ET", func(p Paint) string {
			return want(!p.Fill && !p.Stroke, "neither filled nor stroked", p)
		}},
		{"white overprint stroke", "/OP gs 0 0 0 0 K 0 0 m 1 1 l S", func(p Paint) string {
			return want(p.StrokeOP && p.FillOP && p.StrokeColor.IsWhite(), "white overprint", p)
		}},
		{"spot fill", "/CS0 cs 0.5 sc 0 0 10 10 re f", func(p Paint) string {
			return want(p.FillColor.Space.Process() == "spot" && p.FillColor.Values[0] == 0.5, "spot 0.5", p)
		}},
		{"rgb fill", "1 0 0 rg 0 0 10 10 re f", func(p Paint) string {
			return want(p.FillColor.Space.Process() == "rgb" && !p.FillColor.IsWhite(), "rgb red", p)
		}},
		{"q Q restores colour", "q 1 0 0 rg Q 0 0 10 10 re f", func(p Paint) string {
			return want(p.FillColor.Space.Family == DeviceGray, "gray", p)
		}},
		{"inline image", "q 36 0 0 36 0 0 cm BI /W 4 /H 4 /BPC 8 /CS /G ID \x00\x01\x02\x03\x00\x01\x02\x03\x00\x01\x02\x03\x00\x01\x02\x03 EI Q",
			func(p Paint) string {
				return want(p.Image.Data != nil && p.Image.Width == 4 && p.Image.ColorSpace.Family == DeviceGray && near(p.CTM.XScale(), 36), "inline 4x4 gray", p)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := run(t, tt.content, testRes())
			if len(rec.paints) != 1 {
				t.Fatalf("paints = %d, want 1 (problems %v)", len(rec.paints), rec.problems)
			}
			if msg := tt.check(rec.paints[0]); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func want(ok bool, what string, p Paint) string {
	if ok {
		return ""
	}
	return "want " + what + ", got " + sprint(p)
}

func TestInterpreterLimits(t *testing.T) {
	t.Parallel()
	in := NewInterpreter(&recorder{}, Limits{})
	if err := in.Run(context.Background(), strings.NewReader("/Loop Do"), testRes(), Identity); !errors.Is(err, ErrLimit) {
		t.Errorf("self-drawing form: err = %v, want ErrLimit", err)
	}
	in = NewInterpreter(&recorder{}, Limits{MaxOps: 10})
	err := in.Run(context.Background(), strings.NewReader(strings.Repeat("q Q ", 20)), testRes(), Identity)
	if !errors.Is(err, ErrLimit) {
		t.Errorf("op limit: err = %v, want ErrLimit", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in = NewInterpreter(&recorder{}, Limits{})
	err = in.Run(ctx, strings.NewReader(strings.Repeat("q Q ", 5000)), testRes(), Identity)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}
