package preflight

import (
	"io"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/atomyx/submit/internal/preflight/content"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// XObject implements content.Resources.
func (r *resources) XObject(name content.Name) (content.XObject, bool) {
	o, ok := r.entry("XObject", name)
	if !ok {
		return content.XObject{}, false
	}
	n := objNr(o)
	if x, ok := r.c.xobjects[n]; ok && n > 0 {
		return x, true
	}
	x, ok := r.c.xobject(o)
	if ok && n > 0 {
		r.c.xobjects[n] = x
	}
	return x, ok
}

func (c *docCache) xobject(o types.Object) (content.XObject, bool) {
	sd, err := c.x.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return content.XObject{}, false
	}
	sub := sd.Subtype()
	switch {
	case sub != nil && *sub == "Image":
		return content.XObject{Image: c.imageInfo(objID(o), sd)}, true
	case sub != nil && *sub == "Form":
		return content.XObject{Form: c.formInfo(objID(o), sd)}, true
	}
	return content.XObject{}, false // PostScript XObjects paint nothing
}

func (c *docCache) intOf(d types.Dict, key string) int {
	if v, ok := d.Find(key); ok {
		if f, err := c.x.DereferenceNumber(v); err == nil {
			return int(f)
		}
	}
	return 0
}

func (c *docCache) imageInfo(id string, sd *types.StreamDict) *content.ImageInfo {
	d := sd.Dict
	img := &content.ImageInfo{
		ID:     id,
		Width:  c.intOf(d, "Width"),
		Height: c.intOf(d, "Height"),
		BPC:    c.intOf(d, "BitsPerComponent"),
	}
	if b, err := c.x.DereferenceBoolean(d["ImageMask"]); err == nil && b != nil && bool(*b) {
		img.ImageMask, img.BPC = true, 1
	}
	if cs, ok := d.Find("ColorSpace"); ok && !img.ImageMask {
		img.ColorSpace = c.space(cs, 0)
	}
	if sm, ok := d.Find("SMask"); ok && sm != nil {
		img.HasSMask = true
	}
	img.SMaskInData = c.intOf(d, "SMaskInData") > 0
	if len(sd.FilterPipeline) > 0 {
		img.Filter = sd.FilterPipeline[len(sd.FilterPipeline)-1].Name
	}
	if img.Filter == "JPXDecode" && img.BPC == 0 {
		img.BPC = 8 // JPEG 2000 carries its depth inside the codestream
	}
	if id != "" && !img.ImageMask && inkMeasured(img.ColorSpace) {
		c.imageStreams[id] = sd
	}
	return img
}

func (c *docCache) formInfo(id string, sd *types.StreamDict) *content.FormInfo {
	d := sd.Dict
	f := &content.FormInfo{ID: id, Matrix: content.Identity}
	if a, err := c.x.DereferenceArray(d["Matrix"]); err == nil && len(a) == 6 {
		for i, o := range a {
			v, err := c.x.DereferenceNumber(o)
			if err != nil {
				f.Matrix = content.Identity
				break
			}
			f.Matrix[i] = v
		}
	}
	if res, err := c.x.DereferenceDict(d["Resources"]); err == nil && res != nil {
		f.Resources = c.resources(res)
	}
	f.Content = func() (io.Reader, error) { return c.formContent(sd) }
	return f
}

// Font implements content.Resources.
func (r *resources) Font(name content.Name) (content.FontInfo, bool) {
	o, ok := r.entry("Font", name)
	if !ok {
		return content.FontInfo{}, false
	}
	n := objNr(o)
	if f, ok := r.c.fonts[n]; ok && n > 0 {
		return f, true
	}
	d, err := r.c.x.DereferenceDict(o)
	if err != nil || d == nil {
		return content.FontInfo{}, false
	}
	f := fontInfo(r.c.x, objID(o), d)
	if n > 0 {
		r.c.fonts[n] = f
	}
	return f, true
}

// fontInfo reads a font dictionary's name, type and whether its program is
// in the file. Type 3 fonts draw glyphs with PDF operators, so they are
// always "embedded".
func fontInfo(x *pdfobj.Doc, id string, d types.Dict) content.FontInfo {
	f := content.FontInfo{ID: id}
	if s := d.Subtype(); s != nil {
		f.Type = *s
	}
	if n, err := x.DereferenceName(d["BaseFont"]); err == nil {
		f.Name = string(n)
	} else if n, err := x.DereferenceName(d["Name"]); err == nil {
		f.Name = string(n)
	}
	if f.Type == "Type3" {
		f.Type3, f.Embedded = true, true
		return f
	}
	desc := d
	if f.Type == "Type0" {
		if kids, err := x.DereferenceArray(d["DescendantFonts"]); err == nil && len(kids) > 0 {
			if kd, err := x.DereferenceDict(kids[0]); err == nil && kd != nil {
				desc = kd
				if s := kd.Subtype(); s != nil {
					f.Type = "Type0 (" + *s + ")"
				}
			}
		}
	}
	fd, err := x.DereferenceDict(desc["FontDescriptor"])
	if err != nil || fd == nil {
		return f
	}
	for _, key := range []string{"FontFile", "FontFile2", "FontFile3"} {
		if o, ok := fd.Find(key); ok && o != nil {
			if sd, err := x.DereferenceStreamDict(o); err == nil && sd != nil {
				f.Embedded = true
			}
		}
	}
	return f
}
