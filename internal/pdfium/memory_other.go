//go:build !linux

package pdfium

import "context"

// withMappedMemory keeps wazero's default memory (a Go []byte) where the
// mapping of memory_linux.go is not written.
func withMappedMemory(ctx context.Context) context.Context { return ctx }
