package preflight

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/atomyx/submit/internal/preflight/content"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxSpaceDepth bounds colour spaces built from other colour spaces.
const maxSpaceDepth = 8

// docCache shares what was read from one document between pages, so that
// a logo on every page of a book is parsed once.
type docCache struct {
	ctx      context.Context // the check's: its decoding stops when the check ends
	x        *pdfobj.Doc
	limit    int64
	spaces   map[int]content.ColorSpace
	xobjects map[int]content.XObject
	fonts    map[int]content.FontInfo

	// For the ink check: the file itself (JPEGs are streamed from it when
	// unencrypted), the streams of images in ink colour spaces by object
	// ID, what each measured, and the ink at or below which an image
	// cannot raise a finding, so its pixels need not be read.
	raw          io.ReaderAt
	encrypted    bool
	imageStreams map[string]*types.StreamDict
	inks         map[string]imageInk
	skipBelow    float64
	// inkLimit bounds the samples of one image the ink check decodes;
	// after inkDeadline it decodes no more images (zero: no deadline).
	inkLimit    int64
	inkDeadline time.Time
	// budget is the engine's, for the pixels of a JPEG, which must be
	// held whole.
	budget *pdfobj.Budget
	// formDR are the interactive form's default resources, for field
	// appearances without resources of their own; nil when absent.
	formDR types.Dict
}

func newDocCache(ctx context.Context, x *pdfobj.Doc, limit int64) *docCache {
	return &docCache{ctx: ctx, x: x, limit: limit, spaces: map[int]content.ColorSpace{},
		xobjects: map[int]content.XObject{}, fonts: map[int]content.FontInfo{},
		imageStreams: map[string]*types.StreamDict{}, inks: map[string]imageInk{}}
}

// resources implements content.Resources over one resource dictionary.
type resources struct {
	c    *docCache
	dict types.Dict
}

func (c *docCache) resources(d types.Dict) *resources { return &resources{c: c, dict: d} }

// entry looks up name in the resource category (e.g. "Font").
func (r *resources) entry(category string, name content.Name) (types.Object, bool) {
	if r.dict == nil {
		return nil, false
	}
	cat, err := r.c.x.DereferenceDict(r.dict[category])
	if err != nil || cat == nil {
		return nil, false
	}
	o, ok := cat[string(name)]
	return o, ok && o != nil
}

func objNr(o types.Object) int {
	if ir, ok := o.(types.IndirectRef); ok {
		return ir.ObjectNumber.Value()
	}
	return 0
}

func objID(o types.Object) string {
	if ir, ok := o.(types.IndirectRef); ok {
		return fmt.Sprintf("%d %d", ir.ObjectNumber.Value(), ir.GenerationNumber.Value())
	}
	return ""
}

// ColorSpace implements content.Resources.
func (r *resources) ColorSpace(name content.Name) (content.ColorSpace, bool) {
	o, ok := r.entry("ColorSpace", name)
	if !ok {
		return content.ColorSpace{}, false
	}
	return r.c.space(o, 0), true
}

func (c *docCache) space(o types.Object, depth int) content.ColorSpace {
	if n := objNr(o); n > 0 {
		if cs, ok := c.spaces[n]; ok {
			return cs
		}
		cs := c.parseSpace(o, depth)
		c.spaces[n] = cs
		return cs
	}
	return c.parseSpace(o, depth)
}

func (c *docCache) parseSpace(o types.Object, depth int) content.ColorSpace {
	if depth > maxSpaceDepth {
		return content.ColorSpace{}
	}
	o, err := c.x.Dereference(o)
	if err != nil {
		return content.ColorSpace{}
	}
	switch v := o.(type) {
	case types.Name:
		return deviceSpace(string(v))
	case types.Array:
		if len(v) == 0 {
			return content.ColorSpace{}
		}
		fam, _ := c.x.DereferenceName(v[0])
		return c.arraySpace(string(fam), v, depth)
	}
	return content.ColorSpace{}
}

func deviceSpace(n string) content.ColorSpace {
	switch n {
	case "DeviceGray", "G", "CalGray":
		return content.Device(content.DeviceGray)
	case "DeviceRGB", "RGB":
		return content.Device(content.DeviceRGB)
	case "DeviceCMYK", "CMYK":
		return content.Device(content.DeviceCMYK)
	case "Pattern":
		return content.ColorSpace{Family: content.Pattern}
	}
	return content.ColorSpace{}
}

func (c *docCache) arraySpace(fam string, v types.Array, depth int) content.ColorSpace {
	at := func(i int) types.Object {
		if i < len(v) {
			return v[i]
		}
		return nil
	}
	base := func(i int) *content.ColorSpace {
		if at(i) == nil {
			return nil
		}
		b := c.space(at(i), depth+1)
		return &b
	}
	switch fam {
	case "CalRGB", "CalGray", "Lab":
		return content.Device(content.Family(fam))
	case "ICCBased":
		cs := content.ColorSpace{Family: content.ICCBased}
		if sd, err := c.x.DereferenceStreamDict(at(1)); err == nil && sd != nil {
			// PDF allows 1, 3 or 4; a hostile /N of billions would size
			// every colour value set in the space.
			if n := sd.IntEntry("N"); n != nil && *n >= 1 && *n <= maxColorants {
				cs.N = *n
			}
			if alt, ok := sd.Find("Alternate"); ok {
				cs.Base = base0(c.space(alt, depth+1))
			}
		}
		return cs
	case "Indexed", "I":
		cs := content.ColorSpace{Family: content.Indexed, N: 1, Base: base(1)}
		if hi, err := c.x.DereferenceNumber(at(2)); err == nil {
			cs.HiVal = int(hi)
		}
		cs.Lookup = c.palette(at(3))
		return cs
	case "Pattern":
		return content.ColorSpace{Family: content.Pattern, Base: base(1)}
	case "Separation":
		n, _ := c.x.DereferenceName(at(1))
		return content.ColorSpace{Family: content.Separation, N: 1, Colorants: []string{string(n)}, Base: base(2)}
	case "DeviceN":
		cs := content.ColorSpace{Family: content.DeviceN, Base: base(2)}
		if names, err := c.x.DereferenceArray(at(1)); err == nil {
			for _, o := range names {
				if n, err := c.x.DereferenceName(o); err == nil {
					cs.Colorants = append(cs.Colorants, string(n))
				}
			}
		}
		cs.N = len(cs.Colorants)
		return cs
	}
	return deviceSpace(fam)
}

// palette reads an Indexed space's lookup table, a string or a stream.
// A palette cannot be longer than 256 entries of 32 components, so a longer
// one is damage and is left out.
func (c *docCache) palette(o types.Object) []byte {
	const maxPalette = 256 * 32
	o, err := c.x.Dereference(o)
	if err != nil {
		return nil
	}
	var b []byte
	switch v := o.(type) {
	case types.StringLiteral:
		b, _ = types.Unescape(string(v))
	case types.HexLiteral:
		b, _ = v.Bytes()
	case types.StreamDict:
		b, _ = c.x.Decode(&v, maxPalette)
	}
	if len(b) > maxPalette {
		return nil
	}
	return b
}

func base0(cs content.ColorSpace) *content.ColorSpace { return &cs }

// ExtGState implements content.Resources.
func (r *resources) ExtGState(name content.Name) (content.ExtGState, bool) {
	o, ok := r.entry("ExtGState", name)
	if !ok {
		return content.ExtGState{}, false
	}
	d, err := r.c.x.DereferenceDict(o)
	if err != nil || d == nil {
		return content.ExtGState{}, false
	}
	x := r.c.x
	var g content.ExtGState
	num := func(key string) *float64 {
		if v, ok := d.Find(key); ok {
			if f, err := x.DereferenceNumber(v); err == nil {
				return &f
			}
		}
		return nil
	}
	flag := func(key string) *bool {
		if v, ok := d.Find(key); ok {
			if b, err := x.DereferenceBoolean(v); err == nil && b != nil {
				bv := bool(*b)
				return &bv
			}
		}
		return nil
	}
	g.LineWidth, g.StrokeAlpha, g.FillAlpha = num("LW"), num("CA"), num("ca")
	g.StrokeOP, g.FillOP = flag("OP"), flag("op")
	if sm, ok := d.Find("SMask"); ok {
		o, _ := x.Dereference(sm)
		n, isName := o.(types.Name)
		on := o != nil && !(isName && n == "None")
		g.SoftMask = &on
	}
	if bm, ok := d.Find("BM"); ok {
		o, _ := x.Dereference(bm)
		if a, isArr := o.(types.Array); isArr && len(a) > 0 {
			o, _ = x.Dereference(a[0])
		}
		if n, isName := o.(types.Name); isName {
			s := string(n)
			g.BlendMode = &s
		}
	}
	return g, true
}

// Shading implements content.Resources.
func (r *resources) Shading(name content.Name) (content.ColorSpace, bool) {
	o, ok := r.entry("Shading", name)
	if !ok {
		return content.ColorSpace{}, false
	}
	return r.c.shadingSpace(o)
}

func (c *docCache) shadingSpace(o types.Object) (content.ColorSpace, bool) {
	o, err := c.x.Dereference(o)
	if err != nil || o == nil {
		return content.ColorSpace{}, false
	}
	var d types.Dict
	switch v := o.(type) {
	case types.Dict:
		d = v
	case types.StreamDict:
		d = v.Dict
	default:
		return content.ColorSpace{}, false
	}
	return c.space(d["ColorSpace"], 0), true
}

// Pattern implements content.Resources: shading patterns paint in their
// shading's colour space; tiling patterns are not followed.
func (r *resources) Pattern(name content.Name) (content.ColorSpace, bool) {
	o, ok := r.entry("Pattern", name)
	if !ok {
		return content.ColorSpace{}, false
	}
	o, err := r.c.x.Dereference(o)
	if err != nil {
		return content.ColorSpace{}, false
	}
	if d, isDict := o.(types.Dict); isDict {
		if t := d.IntEntry("PatternType"); t != nil && *t == 2 {
			return r.c.shadingSpace(d["Shading"])
		}
	}
	return content.ColorSpace{}, false
}
