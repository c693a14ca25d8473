package preflight

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/hostilepdf"
)

// busyPDF has one page with about n path operators.
func busyPDF(n int) []byte {
	w := &pdfWriter{}
	w.page(pageSpec{media: "[0 0 100 100]", content: strings.Repeat("0 0 m 1 1 l S\n", n/3)})
	return w.bytes("")
}

// bombPDF has a page whose content inflates from a few kilobytes to size.
func bombPDF(size int) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(bytes.Repeat([]byte{' '}, size))
	zw.Close()
	w := &pdfWriter{}
	c := w.stream("/Filter /FlateDecode", z.Bytes())
	w.add(fmt.Sprintf("<< /Type /Page /Parent %%PARENT%% /MediaBox [0 0 100 100] /Contents %d 0 R >>", c))
	w.pages = append(w.pages, len(w.objs))
	return w.bytes("")
}

// manyPagesPDF claims count pages in its tree but has real leaves.
func manyPagesPDF(real, count int) []byte {
	w := &pdfWriter{}
	for range real {
		w.page(pageSpec{media: "[0 0 100 100]"})
	}
	out := w.bytes("")
	return bytes.Replace(out, []byte(fmt.Sprintf("/Count %d", real)), []byte(fmt.Sprintf("/Count %d", count)), 1)
}

// loopPDF has a page tree whose node lists itself, and a form that draws
// itself.
func loopPDF() []byte {
	w := &pdfWriter{}
	fm := w.reserve()
	w.set(fm, fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Fm %d 0 R >> >> /Length 7 >>\nstream\n/Fm Do\n\nendstream", fm))
	w.page(pageSpec{media: "[0 0 100 100]", resources: fmt.Sprintf("<< /XObject << /Fm %d 0 R >> >>", fm), content: "/Fm Do"})
	out := w.bytes("")
	// Make the page tree list itself as a second kid.
	return bytes.Replace(out, []byte("/Kids [3 0 R]"), []byte("/Kids [3 0 R 4 0 R]"), 1)
}

// deepPDF nests arrays depth levels deep in the page dictionary and in
// the content stream.
func deepPDF(depth int) []byte {
	w := &pdfWriter{}
	w.page(pageSpec{media: "[0 0 100 100]", resources: "<< /Junk " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + " >>",
		content: strings.Repeat("[", depth) + " 1 w"})
	return w.bytes("")
}

// annotsPDF has a page that lists one printing annotation n times, whose
// appearance is body (and may draw itself as /Me).
func annotsPDF(n int, body string) []byte {
	w := &pdfWriter{}
	ap := w.reserve()
	w.set(ap, fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Me %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream", ap, len(body), body))
	a := w.add(fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /F 4 /Rect [0 0 10 10] /AP << /N %d 0 R >> >>", ap))
	w.page(pageSpec{media: "[0 0 100 100]", annots: "[" + strings.Repeat(fmt.Sprintf("%d 0 R ", a), n) + "]"})
	return w.bytes("")
}

func TestLimitsTurnHostileFilesIntoFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
		pdf  []byte
		want string // a finding code; "" = checked without an unusable finding
	}{
		{"time limit", Options{Timeout: time.Millisecond}, busyPDF(3_000_000), CodeCheckTimeout},
		{"operator limit", Options{MaxOperators: 1000}, busyPDF(3000), CodeTooComplex},
		{"decompression bomb", Options{MaxStreamBytes: 1 << 20}, bombPDF(8 << 20), CodeTooComplex},
		{"claimed million pages", Options{}, manyPagesPDF(2, 1_000_000), CodeTooManyPages},
		{"real pages over the limit", Options{MaxPages: 10}, manyPagesPDF(11, 11), CodeTooManyPages},
		{"pages over the limit behind a lying count", Options{MaxPages: 10}, manyPagesPDF(20, 1), CodeTooManyPages},
		{"file too large", Options{MaxFileSize: 100}, busyPDF(30), CodeFileTooLarge},
		// The page tree's loop is cut; the form that draws itself is
		// refused, as a renderer would draw it until its memory ran out.
		{"reference loops", Options{}, loopPDF(), CodeTooComplex},
		{"absurdly deep nesting", Options{}, deepPDF(100_000), CodeFileDamaged},
		{"deep nesting", Options{}, deepPDF(40), ""},
		{"forms drawing forms", Options{}, hostilepdf.NestedForms(6, 10), CodeTooComplex},
		{"forms drawn again", Options{}, hostilepdf.NestedForms(3, 10), ""},
		// About 70 KB of forms drawn again per page: the budget is the file's.
		{"forms drawn again on one page", Options{MaxFormRepeatBytes: 100_000}, hostilepdf.NestedForms(3, 10), ""},
		{"forms drawn again on two pages", Options{MaxFormRepeatBytes: 100_000}, hostilepdf.NestedFormPages(2, 3, 10), CodeTooComplex},
		// Appearance streams are forms: the same appearance listed again
		// is drawn again and counts again; one that draws itself is
		// refused; each drawing counts as an operator.
		{"appearance drawn 50 times", Options{MaxFormRepeatBytes: 100_000}, annotsPDF(50, strings.Repeat("0 0 m 1 1 l S\n", 72)), ""},
		{"appearance drawn 200 times", Options{MaxFormRepeatBytes: 100_000}, annotsPDF(200, strings.Repeat("0 0 m 1 1 l S\n", 72)), CodeTooComplex},
		{"appearance that draws itself", Options{}, annotsPDF(1, "/Me Do"), CodeTooComplex},
		{"empty appearance listed 2000 times", Options{MaxOperators: 1000}, annotsPDF(2000, ""), CodeTooComplex},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := LoadProfile("default")
			start := time.Now()
			rep := checkBytes(t, e, tt.pdf, p, Expectations{})
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			switch {
			case tt.want == "" && rep.Unusable():
				t.Errorf("unusable: %v", findingCodes(rep))
			case tt.want != "" && hasCode(rep, tt.want) == nil:
				t.Errorf("findings %v, want %s", findingCodes(rep), tt.want)
			case tt.want != "" && (!rep.Unusable() || rep.Status != StatusFailed):
				t.Errorf("%s must make the file unusable and failed", tt.want)
			}
		})
	}
}

func TestCheckHonoursCancellation(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	ctx, cancel := contextWithCancel()
	cancel()
	if _, err := e.Check(ctx, bytes.NewReader(busyPDF(300)), int64(len(busyPDF(300))), p, Expectations{}); err == nil {
		t.Error("Check with a cancelled context returned no error")
	}
}

// TestMaxPageOperators: the report knows the most operators one page
// needed, forms' drawings included, for the pipeline to tell a page that
// keeps the renderer busy; it is not in the JSON report.
func TestMaxPageOperators(t *testing.T) {
	t.Parallel()
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := LoadProfile("default")
	rep := checkBytes(t, e, hostilepdf.MillionOperators(300_000), p, Expectations{})
	if rep.MaxPageOperators != 300_000 {
		t.Errorf("a page of 300 000 operators: MaxPageOperators = %d", rep.MaxPageOperators)
	}
	// Two pages, each drawing a form 10 times that draws the next 10
	// times, three deep: 10 440 operators a page, 20 880 in the file.
	rep = checkBytes(t, e, hostilepdf.NestedFormPages(2, 3, 10), p, Expectations{})
	if rep.MaxPageOperators != 10_440 {
		t.Errorf("a page of 1000 drawings of forms: MaxPageOperators = %d, want a page's, not the file's", rep.MaxPageOperators)
	}
	if b, _ := json.Marshal(rep); bytes.Contains(b, []byte("Operators")) {
		t.Error("the JSON report names the operators")
	}
}
