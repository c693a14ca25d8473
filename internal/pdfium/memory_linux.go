package pdfium

import (
	"context"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mappings keeps the WebAssembly memory of a pool's instances in
// anonymous mappings of the memory's maximum size, outside the Go heap.
//
// wazero's default memory is a Go []byte that grows by copying into a
// bigger one. PDFium's memory grows to some 200 MB on a page of 300 ppi
// photos, and every step of the growth left the old slice to the garbage
// collector: measured on such pages, two instances peaked at 435 MB of
// RSS, 100 MB of it garbage, and the copying cost a fifth of the render
// time. A mapping reserves address space only; the kernel backs the pages
// the instance touches, growth is free, and closing the instance gives
// the memory back to the system at once.
//
// A memory can be stopped: from then on it refuses to grow, and PDFium
// aborts at its next allocation that needs more (see Document.stop).
type mappings struct {
	// limit bounds each memory, in bytes: growth past it is refused, as
	// past the module's own maximum. 0 means the module's maximum.
	limit uint64

	mu   sync.Mutex
	made stopper // the memory of the instance being made

	making sync.Mutex // one instance is made at a time, so made is its memory
}

// context makes the instances created under ctx use m's mappings.
func (m *mappings) context(ctx context.Context) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(m.allocate))
}

// instantiate runs newInstance, which makes one instance, and returns the
// memory the instance was given.
func (m *mappings) instantiate(newInstance func() error) (stopper, error) {
	m.making.Lock()
	defer m.making.Unlock()
	err := newInstance()
	m.mu.Lock()
	defer m.mu.Unlock()
	mem := m.made
	m.made = nil
	if mem == nil {
		return noStop{}, err // an instance made before (none are kept)
	}
	return mem, err
}

func (m *mappings) allocate(capacity, max uint64) experimental.LinearMemory {
	var mem interface {
		experimental.LinearMemory
		stopper
	}
	if m.limit > 0 {
		max = min(max, m.limit)
	}
	b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err == nil {
		mem = &mappedMemory{buf: b}
	} else {
		// No address space for it (a strict overcommit policy, a ulimit):
		// the Go heap, as wazero does by default.
		mem = &heapMemory{buf: make([]byte, 0, min(capacity, max)), max: max}
	}
	m.mu.Lock()
	m.made = mem
	m.mu.Unlock()
	return mem
}

// mappedMemory is a linear memory in a mapping of its maximum size.
type mappedMemory struct {
	buf     []byte
	stopped atomic.Bool // refuse to grow
}

func (m *mappedMemory) stop() { m.stopped.Store(true) }

// Reallocate grows the memory (wazero calls it only to grow).
func (m *mappedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) || m.stopped.Load() {
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
type heapMemory struct {
	buf     []byte
	max     uint64      // the largest the memory may grow; 0: no bound
	stopped atomic.Bool // refuse to grow
}

func (m *heapMemory) stop() { m.stopped.Store(true) }

func (m *heapMemory) Reallocate(size uint64) []byte {
	if (m.max > 0 && size > m.max) || m.stopped.Load() {
		return nil
	}
	if size <= uint64(cap(m.buf)) {
		m.buf = m.buf[:size]
		return m.buf
	}
	grown := max(size, 2*uint64(cap(m.buf)))
	if m.max > 0 {
		grown = min(grown, m.max)
	}
	nb := make([]byte, size, grown)
	copy(nb, m.buf)
	m.buf = nb
	return m.buf
}

func (m *heapMemory) Free() { m.buf = nil }
