//go:build !linux

package pdfium

import "context"

// mappings keeps wazero's default memory (a Go []byte) where the mapping
// of memory_linux.go is not written. Its growth cannot be refused, so only
// refused reads stop a call past its deadline (see Document.stop), and
// limit (Options.InstanceMemory) is not enforced.
type mappings struct{ limit uint64 }

func (m *mappings) context(ctx context.Context) context.Context { return ctx }

func (m *mappings) instantiate(newInstance func() error) (stopper, error) {
	return noStop{}, newInstance()
}
