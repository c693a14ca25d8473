package pdfium

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// TestOpenHeavyLeavesAnInstance: with two instances, one heavy document
// may be open at once; a second waits, a light one still opens, and the
// second heavy one opens once the first is closed.
func TestOpenHeavyLeavesAnInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	t.Parallel()
	p := pool(t, Options{Workers: 2})
	data := squarePDF()
	open := func(f func(context.Context, io.ReadSeeker, int64) (*Document, error), wait time.Duration) (*Document, error) {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		return f(ctx, bytes.NewReader(data), int64(len(data)))
	}
	first, err := open(p.OpenHeavy, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Close() })
	if d, err := open(p.OpenHeavy, 100*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		if err == nil {
			d.Close()
		}
		t.Fatalf("a second heavy document while one is open: %v, want to wait", err)
	}
	light, err := open(p.Open, 10*time.Second)
	if err != nil {
		t.Fatalf("a light document beside a heavy one: %v", err)
	}
	light.Close()
	first.Close()
	second, err := open(p.OpenHeavy, 10*time.Second)
	if err != nil {
		t.Fatalf("a heavy document once the first is closed: %v", err)
	}
	second.Close()
}
