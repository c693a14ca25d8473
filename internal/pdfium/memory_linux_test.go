package pdfium

import (
	"bytes"
	"testing"
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
