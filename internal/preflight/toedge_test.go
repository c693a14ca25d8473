package preflight

import (
	"bytes"
	"testing"

	"github.com/atomyx/submit/internal/pdfwrite"
)

// TestToEdge: a page's design runs to the edge when something inked
// reaches the trim's edge; white paint and a margin do not count. The
// pipeline offers bleed on such pages only.
func TestToEdge(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	a5 := [4]float64{0, 0, MM(148), MM(210)}
	trim := Box{20, 20, a5[2] - 20, a5[3] - 20}
	tests := []struct {
		name    string
		content string
		trim    *[4]float64
		want    bool
	}{
		{"colour to the page edge", "0 0 1 0 k 0 0 420 596 re f", nil, true},
		{"a picture frame in a margin", "0 0 0 1 k 40 40 300 400 re f", nil, false},
		{"white paper everywhere, black in the middle", "1 g 0 0 420 596 re f 0 0 0 1 k 40 40 300 400 re f", nil, false},
		{"a line on the trim edge", "1 0 0 RG 2 w 20 300 m 100 300 l S", (*[4]float64)(&trim), true},
		{"inside the trim box", "0 0 1 0 k 30 30 300 400 re f", (*[4]float64)(&trim), false},
		{"nothing drawn", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			w := pdfwrite.New(&b)
			w.Page(pdfwrite.Page{MediaBox: a5, TrimBox: tt.trim, Content: []byte(tt.content)})
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rep := checkBytes(t, e, b.Bytes(), p, Expectations{})
			if len(rep.Inventory.Pages) != 1 {
				t.Fatalf("%d pages", len(rep.Inventory.Pages))
			}
			if got := rep.Inventory.Pages[0].ToEdge; got != tt.want {
				t.Errorf("ToEdge = %v, want %v", got, tt.want)
			}
		})
	}
}
