package content

// pathOp handles path construction and painting; it reports whether op
// was one of them.
func (in *Interpreter) pathOp(op string) bool {
	switch op {
	case "m", "l":
		if v, ok := in.nums(2); ok {
			in.addPoint(v[0], v[1])
		}
	case "c":
		if v, ok := in.nums(6); ok {
			in.addPoint(v[0], v[1])
			in.addPoint(v[2], v[3])
			in.addPoint(v[4], v[5])
		}
	case "v", "y":
		if v, ok := in.nums(4); ok {
			in.addPoint(v[0], v[1])
			in.addPoint(v[2], v[3])
		}
	case "re":
		if v, ok := in.nums(4); ok {
			in.addPoint(v[0], v[1])
			in.addPoint(v[0]+v[2], v[1]+v[3])
			in.addPoint(v[0]+v[2], v[1])
			in.addPoint(v[0], v[1]+v[3])
		}
	case "h", "W", "W*":
	case "n":
		in.endPath()
	case "S", "s":
		in.paintPath(true, false)
	case "f", "F", "f*":
		in.paintPath(false, true)
	case "B", "B*", "b", "b*":
		in.paintPath(true, true)
	default:
		return false
	}
	return true
}

func (in *Interpreter) addPoint(x, y float64) {
	if !in.pathOpen {
		in.path = EmptyRect
		in.pathOpen = true
	}
	tx, ty := in.gs.ctm.Apply(x, y)
	in.path = in.path.Add(tx, ty)
}

func (in *Interpreter) endPath() {
	in.pathOpen = false
}

func (in *Interpreter) paintPath(stroke, fill bool) {
	if !in.pathOpen {
		return // painting an empty path paints nothing
	}
	p := in.begin(KindPath)
	p.Stroke, p.Fill = stroke, fill
	p.Bounds = in.path
	if stroke {
		p.LineWidth = in.gs.lineWidth * in.gs.ctm.MinScale()
		if in.gs.lineWidth < 0 {
			p.LineWidth = 0
		}
	}
	p.Transparency = in.transparency(stroke, fill)
	in.endPath()
	in.v.Paint(p)
}

// colourOp handles colour operators; it reports whether op was one.
func (in *Interpreter) colourOp(op string) bool {
	switch op {
	case "CS", "cs":
		n, ok := in.name()
		if !ok {
			return true
		}
		cs := in.lookupSpace(n)
		c := Color{Space: cs, Values: initialValues(cs)}
		if op == "CS" {
			in.gs.stroke, in.gs.strokePat = c, nil
		} else {
			in.gs.fill, in.gs.fillPat = c, nil
		}
	case "SC", "SCN":
		in.setComponents(&in.gs.stroke, &in.gs.strokePat)
	case "sc", "scn":
		in.setComponents(&in.gs.fill, &in.gs.fillPat)
	case "G", "g":
		in.setDevice(op == "G", DeviceGray, 1)
	case "RG", "rg":
		in.setDevice(op == "RG", DeviceRGB, 3)
	case "K", "k":
		in.setDevice(op == "K", DeviceCMYK, 4)
	default:
		return false
	}
	return true
}

func (in *Interpreter) setDevice(stroke bool, f Family, n int) {
	v, ok := in.nums(n)
	if !ok {
		return
	}
	c := Color{Space: Device(f), Values: v}
	if stroke {
		in.gs.stroke, in.gs.strokePat = c, nil
	} else {
		in.gs.fill, in.gs.fillPat = c, nil
	}
}

func (in *Interpreter) setComponents(c *Color, pat **ColorSpace) {
	var vals []float64
	var patName Name
	for _, o := range in.operands {
		switch o := o.(type) {
		case float64:
			vals = append(vals, o)
		case Name:
			patName = o
		}
	}
	c.Values = vals
	*pat = nil
	if c.Space.Family != Pattern || patName == "" || in.res == nil {
		return
	}
	if cs, ok := in.res.Pattern(patName); ok {
		*pat = &cs
		return
	}
	// A tiling pattern paints with its own colours (or, when uncoloured,
	// in the underlying space); report the underlying space when known.
	if c.Space.Base != nil {
		b := *c.Space.Base
		*pat = &b
	}
}

// lookupSpace resolves a colour-space operand: a device family or a named
// resource.
func (in *Interpreter) lookupSpace(n Name) ColorSpace {
	switch Family(n) {
	case DeviceGray, DeviceRGB, DeviceCMYK:
		return Device(Family(n))
	case Pattern:
		return ColorSpace{Family: Pattern}
	}
	if in.res != nil {
		if cs, ok := in.res.ColorSpace(n); ok {
			return cs
		}
	}
	in.v.Problem(errMissingSpace(n))
	return ColorSpace{}
}

type errMissingSpace Name

func (e errMissingSpace) Error() string { return "colour space /" + string(e) + " is missing" }

// initialValues is the colour a space starts with after CS/cs (PDF 32000
// 8.6.5): black for device spaces, full tint for spots, zero otherwise.
func initialValues(cs ColorSpace) []float64 {
	switch cs.Family {
	case DeviceCMYK:
		return []float64{0, 0, 0, 1}
	case DeviceRGB, CalRGB:
		return []float64{0, 0, 0}
	case Separation, DeviceN:
		v := make([]float64, max(1, len(cs.Colorants)))
		for i := range v {
			v[i] = 1
		}
		return v
	case Pattern:
		return nil
	}
	n := cs.N
	if n <= 0 {
		n = 1
	}
	return make([]float64, n)
}
