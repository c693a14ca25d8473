package content

import "io"

// Family names a colour-space family as PDF spells it.
type Family string

// Colour-space families.
const (
	DeviceGray Family = "DeviceGray"
	DeviceRGB  Family = "DeviceRGB"
	DeviceCMYK Family = "DeviceCMYK"
	CalGray    Family = "CalGray"
	CalRGB     Family = "CalRGB"
	Lab        Family = "Lab"
	ICCBased   Family = "ICCBased"
	Indexed    Family = "Indexed"
	Pattern    Family = "Pattern"
	Separation Family = "Separation"
	DeviceN    Family = "DeviceN"
)

// ColorSpace describes a colour space as far as print checks need it.
type ColorSpace struct {
	Family Family
	// N is the number of components (for ICCBased from the profile's /N).
	N int
	// Colorants are the ink names of a Separation or DeviceN space.
	Colorants []string
	// Base is the base of Indexed, the alternate of ICCBased, Separation
	// and DeviceN, or the underlying space of an uncoloured Pattern.
	Base *ColorSpace
	// Lookup is an Indexed space's palette, Base.N bytes per entry, as the
	// file gives it; HiVal is the largest index. The ink check needs the
	// entries an object actually uses, not just the base space.
	Lookup []byte
	HiVal  int
}

// Device returns the colour space for a device family.
func Device(f Family) ColorSpace {
	switch f {
	case DeviceRGB, CalRGB, Lab:
		return ColorSpace{Family: f, N: 3}
	case DeviceCMYK:
		return ColorSpace{Family: f, N: 4}
	}
	return ColorSpace{Family: f, N: 1}
}

// String names the colour space as a customer-facing inventory would,
// e.g. "DeviceCMYK", "ICCBased RGB", "Separation PANTONE 185 C".
func (cs ColorSpace) String() string {
	switch cs.Family {
	case ICCBased:
		switch cs.N {
		case 1:
			return "ICCBased Gray"
		case 3:
			return "ICCBased RGB"
		case 4:
			return "ICCBased CMYK"
		}
	case Separation:
		if len(cs.Colorants) == 1 {
			return "Separation " + cs.Colorants[0]
		}
	case Indexed:
		if cs.Base != nil {
			return "Indexed " + cs.Base.String()
		}
	case "":
		return "unknown"
	}
	return string(cs.Family)
}

// Process reduces cs to the process model it is printed through: "gray",
// "rgb", "cmyk", "lab", "spot" (Separation/DeviceN) or "" when unknown.
func (cs ColorSpace) Process() string {
	switch cs.Family {
	case DeviceGray, CalGray:
		return "gray"
	case DeviceRGB, CalRGB:
		return "rgb"
	case DeviceCMYK:
		return "cmyk"
	case Lab:
		return "lab"
	case ICCBased:
		switch cs.N {
		case 1:
			return "gray"
		case 3:
			return "rgb"
		case 4:
			return "cmyk"
		}
	case Indexed, Pattern:
		if cs.Base != nil {
			return cs.Base.Process()
		}
	case Separation, DeviceN:
		return "spot"
	}
	return ""
}

// ImageInfo describes an image XObject or inline image.
type ImageInfo struct {
	// ID identifies the image object (e.g. "12 0"); empty for inline images.
	ID                 string
	Width, Height, BPC int
	ColorSpace         ColorSpace
	ImageMask          bool
	HasSMask           bool
	SMaskInData        bool
	Filter             string
	// Data and Decode are an inline image's unfiltered samples (nil when
	// filtered; valid only during the Paint call) and its /Decode array,
	// for the ink check. Image XObjects are read from the file instead.
	Data   []byte
	Decode []float64
}

// FormInfo describes a form XObject.
type FormInfo struct {
	// ID identifies the form object, so that a form drawing itself is caught.
	ID     string
	Matrix Matrix
	// Content returns a reader of the decoded content stream, read as the
	// form is interpreted. Its errors end the form, except one wrapping
	// ErrLimit, which ends the interpretation.
	Content func() (io.Reader, error)
	// Resources are the form's own resources; nil means the parent's.
	Resources Resources
}

// XObject is an image or a form; exactly one of Image and Form is set.
type XObject struct {
	Image *ImageInfo
	Form  *FormInfo
}

// ExtGState holds the graphics-state parameters print checks care about.
// Nil pointers are parameters the dictionary does not set.
type ExtGState struct {
	LineWidth   *float64
	StrokeOP    *bool    // OP
	FillOP      *bool    // op
	StrokeAlpha *float64 // CA
	FillAlpha   *float64 // ca
	SoftMask    *bool    // SMask present and not /None
	BlendMode   *string
}

// FontInfo describes a font resource.
type FontInfo struct {
	ID       string
	Name     string
	Type     string
	Embedded bool
	// Type3 fonts draw glyphs with their own matrix; their text size is not
	// comparable with other fonts and is not checked.
	Type3 bool
	// Missing is set for a font that Tf names and the resources lack; Name
	// is then the resource name. Viewers draw its text in a substitute
	// font, as they would a font not embedded.
	Missing bool
}

// Resources looks up named resources for the interpreter. Lookups that
// fail return ok false; the interpreter then skips the operator, as a viewer
// would, and reports it through Visitor.Problem.
type Resources interface {
	ColorSpace(name Name) (ColorSpace, bool)
	ExtGState(name Name) (ExtGState, bool)
	XObject(name Name) (XObject, bool)
	Font(name Name) (FontInfo, bool)
	Shading(name Name) (ColorSpace, bool)
	// Pattern returns the colour space a shading pattern paints in, or ok
	// false for tiling patterns and unknown names.
	Pattern(name Name) (ColorSpace, bool)
}
