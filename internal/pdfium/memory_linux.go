package pdfium

import (
	"context"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// withMappedMemory makes the instances created under ctx keep their
// WebAssembly memory in an anonymous mapping of the memory's maximum size,
// outside the Go heap.
//
// wazero's default memory is a Go []byte that grows by copying into a
// bigger one. PDFium's memory grows to some 200 MB on a page of 300 ppi
// photos, and every step of the growth left the old slice to the garbage
// collector: measured on such pages, two instances peaked at 435 MB of
// RSS, 100 MB of it garbage, and the copying cost a fifth of the render
// time. A mapping reserves address space only; the kernel backs the pages
// the instance touches, growth is free, and closing the instance gives
// the memory back to the system at once.
func withMappedMemory(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(allocate))
}

func allocate(capacity, max uint64) experimental.LinearMemory {
	b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		// No address space for it (a strict overcommit policy, a ulimit):
		// the Go heap, as wazero does by default.
		return &heapMemory{buf: make([]byte, 0, capacity)}
	}
	return &mappedMemory{buf: b}
}

// mappedMemory is a linear memory in a mapping of its maximum size.
type mappedMemory struct{ buf []byte }

func (m *mappedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil // beyond the maximum: the module's memory.grow fails
	}
	return m.buf[:size:size]
}

func (m *mappedMemory) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}

// heapMemory is wazero's default behaviour, for when no mapping can be
// made.
type heapMemory struct{ buf []byte }

func (m *heapMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	nb := make([]byte, size, max(size, 2*uint64(cap(m.buf))))
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

func (m *heapMemory) Free() { m.buf = nil }
