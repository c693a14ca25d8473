package preflight

import (
	"context"
	"os"
	"testing"
	"time"
)

// A JPEG's pixels are held whole, so decoding them waits for the engine's
// decode budget: while other files hold it all, the ink check of a JPEG
// does not decode it, and the file ends within its time limit.
func TestJPEGWaitsForTheDecodeBudget(t *testing.T) {
	t.Parallel()
	jpg, err := os.ReadFile("testdata/cmyk-300.jpg")
	if err != nil {
		t.Fatal(err)
	}
	pdf := onePage(imageRes(func(w *pdfWriter) int {
		return w.stream("/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /DCTDecode /Decode [1 0 1 0 1 0 1 0]", jpg)
	}), "q 256 0 0 256 100 100 cm /Im Do Q")()
	e, err := New(Options{Timeout: 2 * time.Second, MaxDecodedBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	p, _ := LoadProfile("default")

	release, err := e.budget.Acquire(context.Background(), 1<<20) // other files hold it all
	if err != nil {
		t.Fatal(err)
	}
	rep := checkBytes(t, e, pdf, p, Expectations{})
	if f := hasCode(rep, CodeCheckTimeout); f == nil {
		t.Errorf("with the budget spent: findings %v, want %s", findingCodes(rep), CodeCheckTimeout)
	}
	release()
	rep = checkBytes(t, e, pdf, p, Expectations{})
	if rep.Unusable() || hasCode(rep, CodeInkNotMeasured) != nil {
		t.Errorf("with the budget free: findings %v, want the JPEG measured", findingCodes(rep))
	}
}
