package pdfium

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestCloseWaitsForOpenDocuments closes the pool while a document is
// open: new documents are refused at once, the open one still renders,
// and Close returns only once it is closed. Closing PDFium under a render
// would fail the render as if the file were at fault.
func TestCloseWaitsForOpenDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	t.Parallel()
	p := pool(t, Options{Workers: 2})
	ctx := context.Background()
	data := squarePDF()
	open := func() (*Document, bool, error) {
		return p.TryOpen(ctx, bytes.NewReader(data), int64(len(data)))
	}
	d, ok, err := open()
	if !ok || err != nil {
		t.Fatalf("TryOpen = %v, %v", ok, err)
	}
	t.Cleanup(func() { d.Close() })
	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		other, ok, err := open()
		if ok {
			other.Close() // Close has not begun yet
		}
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				t.Errorf("open while the pool closes: %v, want ErrClosed", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the closing pool still opens documents")
		}
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a document was open")
	default:
	}
	if img, err := d.RenderJPEG(ctx, 1, 72, 85); err != nil || img.Width != 200 {
		t.Errorf("render of the open document while the pool closes = %d px wide, %v; want 200", img.Width, err)
	}
	d.Close()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return once the last document was closed")
	}
	if _, err := p.Open(ctx, bytes.NewReader(data), int64(len(data))); !errors.Is(err, ErrClosed) {
		t.Errorf("Open after Close: %v, want ErrClosed", err)
	}
}
