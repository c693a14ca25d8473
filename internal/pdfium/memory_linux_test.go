package pdfium

import (
	"bytes"
	"errors"
	"testing"

	"github.com/atomyx/submit/internal/hostilepdf"
	"github.com/atomyx/submit/internal/pdfwrite"
)

// TestMappedMemory: a linear memory grows in place up to its maximum,
// keeps what was written, refuses to grow beyond, and can be freed.
func TestMappedMemory(t *testing.T) {
	const max = 16 << 20
	m, ok := (&mappings{}).allocate(0, max).(*mappedMemory)
	if !ok {
		t.Fatal("allocate did not map the memory")
	}
	b := m.Reallocate(64 << 10)
	if len(b) != 64<<10 {
		t.Fatalf("Reallocate(64 KiB) gave %d bytes", len(b))
	}
	copy(b, "pdfium")
	b2 := m.Reallocate(max)
	if len(b2) != max || &b2[0] != &b[0] || !bytes.HasPrefix(b2, []byte("pdfium")) {
		t.Fatal("growing moved or lost the memory")
	}
	b2[max-1] = 1 // the last byte is backed
	if m.Reallocate(max+1) != nil {
		t.Error("Reallocate beyond the maximum did not fail")
	}
	m.Free()
	m.Free() // twice is harmless

	h := &heapMemory{}
	copy(h.Reallocate(10), "abc")
	if got := h.Reallocate(1 << 20); len(got) != 1<<20 || string(got[:3]) != "abc" {
		t.Error("the heap fallback lost its contents when it grew")
	}
}

// TestStoppedMemory: a stopped memory refuses to grow, and keeps what it
// has until it is freed; so does the heap fallback.
func TestStoppedMemory(t *testing.T) {
	m := (&mappings{}).allocate(0, 1<<20).(*mappedMemory)
	b := m.Reallocate(64 << 10)
	m.stop()
	if m.Reallocate(128<<10) != nil {
		t.Error("a stopped mapping grew")
	}
	b[len(b)-1] = 1 // still backed
	m.Free()

	h := &heapMemory{}
	h.Reallocate(10)
	h.stop()
	if h.Reallocate(1<<20) != nil {
		t.Error("a stopped heap memory grew")
	}
}

// TestInstanceMemory: an instance made through instantiate gets the memory
// allocated while it was made.
func TestInstanceMemory(t *testing.T) {
	ms := &mappings{}
	var made *mappedMemory
	mem, err := ms.instantiate(func() error {
		made = ms.allocate(0, 1<<20).(*mappedMemory)
		return nil
	})
	if err != nil || mem != made {
		t.Fatalf("instantiate = %v, %v; want the memory allocated in it", mem, err)
	}
	defer made.Free()
	if mem, _ := ms.instantiate(func() error { return nil }); mem != (noStop{}) {
		t.Errorf("an instance made without an allocation got %v", mem)
	}
}

// TestMemoryLimit: a pool's limit caps every memory it makes below the
// module's own maximum, mapped or on the heap.
func TestMemoryLimit(t *testing.T) {
	m := (&mappings{limit: 1 << 20}).allocate(0, 16<<20).(*mappedMemory)
	defer m.Free()
	if len(m.Reallocate(1<<20)) != 1<<20 || m.Reallocate(1<<20+64<<10) != nil {
		t.Error("a mapping grew past its pool's limit, or not up to it")
	}
	h := &heapMemory{max: 1 << 20}
	if len(h.Reallocate(1<<20)) != 1<<20 || h.Reallocate(2<<20) != nil {
		t.Error("the heap fallback grew past its limit, or not up to it")
	}
}

// TestInstanceMemoryBoundsAPage: a page that needs more memory than
// Options.InstanceMemory fails as the page's fault, the pool replaces the
// instance, and the default leaves room for a page of 300 ppi photos and
// a 300 ppi A1 poster, not for ten million drawings of forms.
func TestInstanceMemoryBoundsAPage(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	var photo, poster bytes.Buffer
	if err := pdfwrite.WriteSample(&photo, pdfwrite.SampleSpec{Pages: 1, ImageW: 2480, ImageH: 3508, Noise: 120, JPEGQuality: 95}); err != nil {
		t.Fatal(err)
	}
	if err := pdfwrite.WriteSample(&poster, pdfwrite.SampleSpec{Pages: 1, TrimW: 594, TrimH: 841, ImageW: 7016, ImageH: 9933, Noise: 60}); err != nil {
		t.Fatal(err)
	}
	small := pool(t, Options{Workers: 1, InstanceMemory: 24 << 20})
	if err := renderFirst(t, small, photo.Bytes()); !errors.Is(err, ErrPage) {
		t.Errorf("a photo page in 24 MiB: %v, want ErrPage", err)
	}
	if err := renderFirst(t, small, squarePDF()); err != nil {
		t.Errorf("a small page after the instance was thrown away: %v", err)
	}
	def := onePool(t)
	for name, b := range map[string][]byte{"photo": photo.Bytes(), "poster": poster.Bytes()} {
		if err := renderFirst(t, def, b); err != nil {
			t.Errorf("a %s page under the default limit: %v", name, err)
		}
	}
	// Ten million drawings of forms took PDFium to its 2 GiB.
	if err := renderFirst(t, def, hostilepdf.NestedForms(7, 10)); !errors.Is(err, ErrPage) {
		t.Errorf("forms drawing forms under the default limit: %v, want ErrPage", err)
	}
}

// renderFirst renders page 1 of b as a proof does.
func renderFirst(t *testing.T, p *Pool, b []byte) error {
	t.Helper()
	doc, err := p.Open(t.Context(), bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	defer doc.Close()
	_, err = doc.RenderImage(t.Context(), 1, 2480)
	return err
}
