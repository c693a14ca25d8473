package hostilepdf

import (
	"bytes"
	"fmt"
	"strings"
)

// GiB is the size the bombs inflate to, four of them.
const GiB = 1 << 30

// ContentBomb is a one-page file whose content stream inflates to
// inflated zero bytes: white space to a content-stream lexer, so the page
// is blank however much of it is read. 4 GiB take about 4 MB.
func ContentBomb(inflated int64) []byte {
	f := &file{}
	f.page("", f.stream("/Filter /FlateDecode", Zeros(inflated)))
	return f.classic("")
}

// FormBomb is a page that draws a form draws times; the form's content
// inflates to inflated zero bytes.
func FormBomb(inflated int64, draws int) []byte {
	f := &file{}
	fm := f.stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Filter /FlateDecode", Zeros(inflated))
	content := f.stream("", []byte(strings.Repeat("/Fm Do\n", draws)))
	f.page(fmt.Sprintf("<< /XObject << /Fm %d 0 R >> >>", fm), content)
	return f.classic("")
}

// ImageBomb is a page showing a DeviceCMYK image of width × height pixels
// whose data inflates to inflated zero bytes, where the image needs
// width × height × 4. A reader that decodes what the data holds, rather
// than what the image needs, holds gigabytes.
func ImageBomb(width, height int, inflated int64) []byte {
	f := &file{}
	im := f.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /FlateDecode",
		width, height), Zeros(inflated))
	f.page(fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", im), f.stream("", []byte("q 100 0 0 100 0 0 cm /Im Do Q")))
	return f.classic("")
}

// ObjectStreamBomb is a file whose page, page tree and catalog are in an
// object stream, found through a cross-reference stream; between the
// stream's header and the objects are inflated zero bytes (white space to
// a parser). Under a reader's limit the file is sound, if wasteful; over
// it, its objects are lost.
func ObjectStreamBomb(inflated int64) []byte {
	f := &file{}
	f.page("", f.stream("", []byte("0 0 1 rg 10 10 80 80 re f")))
	tree, root := f.tree()
	stm := f.reserve()
	packed := []int{f.pages[0], tree, root}
	var head, body bytes.Buffer
	f.packed = map[int][2]int{}
	for i, n := range packed {
		fmt.Fprintf(&head, "%d %d ", n, inflated+int64(body.Len()))
		body.Write(f.objs[n-1])
		body.WriteByte('\n')
		f.packed[n] = [2]int{stm, i}
	}
	f.setStream(stm, fmt.Sprintf("/Type /ObjStm /N %d /First %d /Filter /FlateDecode", len(packed), head.Len()),
		Zlib(head.Bytes(), []byte{0}, inflated, body.Bytes()))
	return f.xrefStream(root, xrefLie{})
}

// XRefStreamBomb is a file whose cross-reference stream goes on after its
// real entries with inflated zero bytes, and whose /Size counts them:
// free entries, seven bytes each.
func XRefStreamBomb(inflated int64) []byte {
	f := &file{}
	f.page("", f.stream("", []byte("0 0 1 rg 10 10 80 80 re f")))
	_, root := f.tree()
	return f.xrefStream(root, xrefLie{zeros: inflated, size: int64(len(f.objs)) + 2 + inflated/7})
}

// NestedForms is a page that draws a form fanout times, which draws the
// next form fanout times, depth forms deep; the last draws a line and a
// square: fanout^depth drawings of it from a file of a few kilobytes. Ten
// drawings six deep are a million, which keeps PDFium busy for seconds
// and hundreds of megabytes; seven deep, for a minute and gigabytes.
//
// Each drawing is scaled and moved a little (q … cm /F Do Q), so that no
// two draw the same, and the forms are compressed, as a hostile file's
// would be: a reader that decodes a form again at each drawing pays for it.
func NestedForms(depth, fanout int) []byte { return NestedFormPages(1, depth, fanout) }

// NestedFormPages is NestedForms on pages pages, each drawing the same
// forms.
func NestedFormPages(pages, depth, fanout int) []byte {
	var draws strings.Builder
	for i := range fanout {
		fmt.Fprintf(&draws, "q 0.9 0 0 0.9 %d %d cm /F Do Q\n", i, i)
	}
	f := &file{}
	next := f.stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Filter /FlateDecode",
		zlibAll([]byte("0 0 m 10 10 l S 1 0 0 rg 0 0 5 5 re f")))
	for range depth - 1 {
		next = f.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Filter /FlateDecode /Resources << /XObject << /F %d 0 R >> >>", next),
			zlibAll([]byte(draws.String())))
	}
	for range pages {
		f.page(fmt.Sprintf("<< /XObject << /F %d 0 R >> >>", next), f.stream("", []byte(draws.String())))
	}
	return f.classic("")
}

// RecursiveForms is a page that draws the first of cycle forms, each of
// which draws the next twice, and the last the first: a cycle of one is a
// form that draws itself.
func RecursiveForms(cycle int) []byte {
	f := &file{}
	first := f.reserve()
	forms := []int{first}
	for range cycle - 1 {
		forms = append(forms, f.reserve())
	}
	for i, n := range forms {
		next := forms[(i+1)%cycle]
		f.setStream(n, fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /F %d 0 R >> >>", next),
			[]byte("0 0 1 rg 1 1 2 2 re f /F Do /F Do"))
	}
	f.page(fmt.Sprintf("<< /XObject << /F %d 0 R >> >>", first), f.stream("", []byte("/F Do")))
	return f.classic("")
}

// MillionOperators is a page of ops path operators (a line drawn and
// stroked, over and over), compressed: 50 million take 230 MB decoded
// and about a quarter of a megabyte in the file.
func MillionOperators(ops int64) []byte {
	f := &file{}
	f.page("", f.stream("/Filter /FlateDecode", Zlib(nil, []byte("1 1 m 2 2 l S\n"), ops/3, nil)))
	return f.classic("")
}

// NestedArrays is a page whose content is one operand: an array of
// arrays arrays of elements numbers each, followed by n. Each array
// alone is small; together 1000 arrays of 65 000 are 123 MB of content
// in about 100 KB, and gigabytes to a lexer that bounds each array alone.
func NestedArrays(arrays, elements int64) []byte {
	f := &file{}
	inner := "[" + strings.Repeat("0 ", int(elements)) + "] "
	f.page("", f.stream("/Filter /FlateDecode", Zlib([]byte("["), []byte(inner), arrays, []byte("] n 0 0 10 10 re f"))))
	return f.classic("")
}
