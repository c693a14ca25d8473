// Package content reads PDF content streams and follows the graphics state
// through them: the transformation matrix, colour spaces, overprint, line
// width and text state. It knows nothing of how a PDF file is stored; the
// caller supplies resources (fonts, images, forms) through the Resources
// interface and receives what is painted through the Visitor interface.
//
// It exists because no Go library interprets the graphics state: a print
// check needs the colour space of every painted object, its overprint flag and
// the effective size of text and lines after every matrix is applied.
package content

// Object is one operand of a content-stream operator: float64 for numbers,
// Name, String, bool, nil, Array or Dict.
type Object any

// Name is a PDF name without its leading slash, with #xx escapes decoded.
type Name string

// String is a PDF string (literal or hexadecimal) as raw bytes.
type String []byte

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary, as found in inline images and marked content.
type Dict map[Name]Object

// Number returns o as a float64 and whether it was a number.
func Number(o Object) (float64, bool) {
	f, ok := o.(float64)
	return f, ok
}
