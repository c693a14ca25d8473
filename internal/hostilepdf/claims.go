package hostilepdf

import (
	"bytes"
	"fmt"
	"strings"
)

// huge is the size the claims below make: past every 32-bit limit, so a
// reader that allocates what it is told fails or takes gigabytes.
const huge = "2147483647"

// HugeClaimedSizes returns small files that claim absurd sizes: stream
// lengths, object counts, page counts, image and predictor-row sizes,
// colour components. Nothing in them is large but the numbers.
func HugeClaimedSizes() []Case {
	var cases []Case
	add := func(name string, pdf []byte) { cases = append(cases, Case{Name: name, PDF: pdf}) }

	f := &file{}
	f.page("", f.add("<< /Length 999999999999 >>\nstream\n0 0 1 rg 10 10 80 80 re f\nendstream"))
	add("content /Length beyond the file", f.classic(""))

	f = &file{}
	length := f.reserve()
	f.set(length, "99999999999")
	f.page("", f.add(fmt.Sprintf("<< /Length %d 0 R >>\nstream\n0 0 1 rg 10 10 80 80 re f\nendstream", length)))
	add("content /Length an indirect huge number", f.classic(""))

	add("trailer /Size "+huge, bytes.Replace(simple().classic(""), []byte("/Size 5 "), []byte("/Size "+huge+" "), 1))
	add("xref subsection of "+huge+" entries", bytes.Replace(simple().classic(""), []byte("xref\n0 5\n"), []byte("xref\n0 "+huge+"\n"), 1))
	add("page tree /Count "+huge, bytes.Replace(simple().classic(""), []byte("/Count 1 "), []byte("/Count "+huge+" "), 1))

	f = simple()
	_, root := f.tree()
	add("cross-reference stream /Size "+huge, f.xrefStream(root, xrefLie{size: 1<<31 - 1}))

	f = &file{}
	f.page("", f.stream("", []byte("0 0 1 rg 10 10 80 80 re f")))
	tree, root := f.tree()
	stm := f.reserve()
	f.packed = map[int][2]int{tree: {stm, 0}}
	obj := f.objs[tree-1]
	f.setStream(stm, fmt.Sprintf("/Type /ObjStm /N %s /First %s", huge, huge), append([]byte(fmt.Sprintf("%d 0 ", tree)), obj...))
	add("object stream /N and /First "+huge, f.xrefStream(root, xrefLie{}))

	add("image of "+huge+" × "+huge+" pixels", imagePage(fmt.Sprintf("/Width %s /Height %s /ColorSpace /DeviceCMYK /BitsPerComponent 8", huge, huge), []byte("\x00\x00\x00\x00")))
	add("image whose predictor rows are "+huge+" columns", imagePage(
		"/Width 10 /Height 10 /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 4 /Columns "+huge+" >>",
		Zeros(400)))
	add("image of "+huge+" bits per component", imagePage("/Width 10 /Height 10 /ColorSpace /DeviceCMYK /BitsPerComponent "+huge, Zeros(400)))
	add("ICC colour space of "+huge+" components", iccPage())
	add("inline image of "+huge+" × "+huge+" pixels", contentPage(
		"q 100 0 0 100 0 0 cm BI /W "+huge+" /H "+huge+" /CS /CMYK /BPC 8 ID \x00\x00\x00\x00 EI Q"))
	add("10 000 spot colorants", resourcePage(
		"<< /ColorSpace << /CS0 [/DeviceN ["+strings.Repeat("/Spot ", 10_000)+"] /DeviceCMYK << /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [1 1 1 1] /N 1 >>] >> >>",
		fmt.Sprintf("/CS0 cs %s scn 0 0 10 10 re f", strings.Repeat("1 ", 10_000))))
	add("q nested a million deep", contentPage(strings.Repeat("q ", 1_000_000)+"0 0 10 10 re f"))
	// Predictor rows of 8 × 2^60 bits overflow to a negative size, and
	// 256 × 2^56 to 0: a row that reads nothing for ever.
	for _, parms := range []string{"/Predictor 12 /Columns 1152921504606846976", "/Predictor 2 /Colors 32 /Columns 72057594037927936", "/Predictor 12 /Colors 32 /Columns 72057594037927936"} {
		f = &file{}
		f.page("", f.stream("/Filter /FlateDecode /DecodeParms << "+parms+" >>", Zlib(nil, []byte("0 0 10 10 re f\n"), 1000, nil)))
		add("content predictor "+parms, f.classic(""))
	}
	add("inline image of 31278921701923780 bits per component", contentPage("q 100 0 0 100 0 0 cm BI /W 1 /H 2359 /BPC 31278921701923780 /CS /G ID x EI Q 0 0 10 10 re f"))
	return cases
}

// simple is a file of one page filling a rectangle.
func simple() *file {
	f := &file{}
	f.page("", f.stream("", []byte("0 0 1 rg 10 10 80 80 re f")))
	return f
}

// contentPage is a one-page file with the given content.
func contentPage(content string) []byte { return resourcePage("", content) }

// resourcePage is a one-page file with the given resources and content.
func resourcePage(resources, content string) []byte {
	f := &file{}
	f.page(resources, f.stream("", []byte(content)))
	return f.classic("")
}

// imagePage is a page showing an image with the given dictionary entries
// (besides its type) and data.
func imagePage(dict string, data []byte) []byte {
	f := &file{}
	im := f.stream("/Type /XObject /Subtype /Image "+dict, data)
	f.page(fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", im), f.stream("", []byte("q 100 0 0 100 0 0 cm /Im Do Q")))
	return f.classic("")
}

// iccPage fills a rectangle in an ICC-based colour space that claims a
// huge number of components.
func iccPage() []byte {
	f := &file{}
	icc := f.stream("/N "+huge, []byte("not a profile"))
	f.page(fmt.Sprintf("<< /ColorSpace << /CS0 [/ICCBased %d 0 R] >> >>", icc), f.stream("", []byte("/CS0 cs 1 1 1 1 scn 0 0 10 10 re f")))
	return f.classic("")
}
