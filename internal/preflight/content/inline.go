package content

// inlineImage reports an inline image (BI … ID … EI).
func (in *Interpreter) inlineImage(d Dict) {
	img := &ImageInfo{}
	if w, ok := Number(d.get("W", "Width")); ok {
		img.Width = int(w)
	}
	if h, ok := Number(d.get("H", "Height")); ok {
		img.Height = int(h)
	}
	if b, ok := Number(d.get("BPC", "BitsPerComponent")); ok {
		img.BPC = int(b)
	}
	img.ImageMask, _ = d.get("IM", "ImageMask").(bool)
	if img.ImageMask {
		img.BPC = 1
	} else {
		img.ColorSpace = in.inlineSpace(d.get("CS", "ColorSpace"))
	}
	switch f := d.get("F", "Filter").(type) {
	case Name:
		img.Filter = string(f)
	case Array:
		if len(f) > 0 {
			if n, ok := f[len(f)-1].(Name); ok {
				img.Filter = string(n)
			}
		}
	}
	in.image(img, true)
}

var inlineAbbrev = map[Name]Family{
	"G": DeviceGray, "RGB": DeviceRGB, "CMYK": DeviceCMYK, "I": Indexed,
	"DeviceGray": DeviceGray, "DeviceRGB": DeviceRGB, "DeviceCMYK": DeviceCMYK,
}

func (in *Interpreter) inlineSpace(o Object) ColorSpace {
	switch o := o.(type) {
	case Name:
		if f, ok := inlineAbbrev[o]; ok {
			return Device(f)
		}
		return in.lookupSpace(o)
	case Array:
		if len(o) < 2 {
			return ColorSpace{}
		}
		if fam, _ := o[0].(Name); fam == "I" || fam == "Indexed" {
			base := in.inlineSpace(o[1])
			return ColorSpace{Family: Indexed, N: 1, Base: &base}
		}
	}
	return ColorSpace{}
}
