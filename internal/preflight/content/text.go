package content

import "fmt"

// textOp handles the text operators; it reports whether op was one.
func (in *Interpreter) textOp(op string) bool {
	g := &in.gs
	switch op {
	case "BT":
		in.tm, in.tlm = Identity, Identity
	case "ET":
	case "Tc":
		g.charSpace, _ = in.num()
	case "Tw":
		g.wordSpace, _ = in.num()
	case "Tz":
		if v, ok := in.num(); ok {
			g.hscale = v / 100
		}
	case "TL":
		g.leading, _ = in.num()
	case "Ts":
		g.rise, _ = in.num()
	case "Tr":
		if v, ok := in.num(); ok {
			g.renderMode = int(v)
		}
	case "Tf":
		in.setFont()
	case "Td":
		if v, ok := in.nums(2); ok {
			in.moveLine(v[0], v[1])
		}
	case "TD":
		if v, ok := in.nums(2); ok {
			g.leading = -v[1]
			in.moveLine(v[0], v[1])
		}
	case "Tm":
		if v, ok := in.nums(6); ok {
			in.tm, in.tlm = Matrix(v), Matrix(v)
		}
	case "T*":
		in.moveLine(0, -g.leading)
	case "Tj", "TJ":
		in.show(in.operands)
	case "'":
		in.moveLine(0, -g.leading)
		in.show(in.operands)
	case "\"":
		if v, ok := in.nums(3); ok || len(in.operands) >= 3 {
			if ok {
				g.wordSpace, g.charSpace = v[0], v[1]
			}
			in.moveLine(0, -g.leading)
			in.show(in.operands[len(in.operands)-1:])
		}
	default:
		return false
	}
	return true
}

func (in *Interpreter) setFont() {
	if len(in.operands) < 2 {
		return
	}
	n, ok1 := in.operands[len(in.operands)-2].(Name)
	size, ok2 := in.operands[len(in.operands)-1].(float64)
	if !ok1 || !ok2 {
		return
	}
	var f FontInfo
	ok := false
	if in.res != nil {
		f, ok = in.res.Font(n)
	}
	if !ok {
		// Viewers do not keep the font before: they draw what follows
		// in a substitute font, so the text is the missing font's.
		in.v.Problem(fmt.Errorf("font /%s is missing", n))
		f = FontInfo{Name: string(n), Missing: true}
	}
	in.gs.font, in.gs.fontSize = f, size
}

func (in *Interpreter) moveLine(tx, ty float64) {
	in.tlm = Matrix{1, 0, 0, 1, tx, ty}.Mul(in.tlm)
	in.tm = in.tlm
}

// show reports a text-showing operation. Glyph widths are not read from
// the font: the advance is estimated at half an em per byte, which is
// enough to mark where the text is, never to measure it.
func (in *Interpreter) show(operands []Object) {
	g := &in.gs
	n, spaces := 0, 0
	var adjust float64
	count := func(s String) {
		n += len(s)
		for _, b := range s {
			if b == ' ' {
				spaces++
			}
		}
	}
	for _, o := range operands {
		switch o := o.(type) {
		case String:
			count(o)
		case Array:
			for _, e := range o {
				switch e := e.(type) {
				case String:
					count(e)
				case float64:
					adjust += e
				}
			}
		}
	}
	if n == 0 {
		return
	}
	advance := (float64(n)*0.5*g.fontSize + float64(n)*g.charSpace +
		float64(spaces)*g.wordSpace - adjust/1000*g.fontSize) * g.hscale
	trm := in.tm.Mul(g.ctm)
	p := in.begin(KindText)
	p.Font = g.font
	p.TextSize = abs(g.fontSize) * trm.YScale()
	p.Fill = g.renderMode == 0 || g.renderMode == 2 || g.renderMode == 4 || g.renderMode == 6
	p.Stroke = g.renderMode == 1 || g.renderMode == 2 || g.renderMode == 5 || g.renderMode == 6
	if p.Stroke {
		p.LineWidth = g.lineWidth * g.ctm.MinScale()
	}
	p.Bounds = Rect{0, g.rise - 0.25*g.fontSize, advance, g.rise + 0.8*g.fontSize}.Transform(trm)
	p.Transparency = in.transparency(p.Stroke, p.Fill)
	in.v.Paint(p)
	in.tm = Matrix{1, 0, 0, 1, advance, 0}.Mul(in.tm)
}
