package content

// inlineImage reports an inline image (BI … ID … EI); data is its
// unfiltered data, nil when filtered.
func (in *Interpreter) inlineImage(d Dict, data []byte) {
	img := &ImageInfo{Data: data}
	if a, ok := d.get("D", "Decode").(Array); ok {
		for _, o := range a {
			if f, ok := Number(o); ok {
				img.Decode = append(img.Decode, f)
			}
		}
	}
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
	in.image(img)
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
			cs := ColorSpace{Family: Indexed, N: 1, Base: &base}
			if len(o) == 4 {
				hi, _ := Number(o[2])
				cs.HiVal = int(hi)
				cs.Lookup, _ = o[3].(String)
			}
			return cs
		}
	}
	return ColorSpace{}
}
