package pdfium

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/hostilepdf"
)

// TestHostilePageIsStopped: a page that would keep PDFium busy for a
// minute and take its memory to 2 GiB is stopped when its context ends and
// when it outlasts PageTimeout; each time its instance is thrown away, and
// the pool still renders with all its instances.
func TestHostilePageIsStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	// PDFium's own maximum, so that the deadlines stop the page, not the
	// memory bound (TestInstanceMemoryBoundsAPage).
	p := pool(t, Options{Workers: 2, PageTimeout: 2 * time.Second, InstanceMemory: 2 << 30})
	hostile := hostilepdf.NestedForms(7, 10)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.Render(ctx, bytes.NewReader(hostile), int64(len(hostile)), []int{1}, 500)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("render under a 200 ms deadline: err = %v, want the deadline", err)
	}
	_, err = p.Render(context.Background(), bytes.NewReader(hostile), int64(len(hostile)), []int{1}, 500)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("render under a 2 s PageTimeout: err = %v, want ErrTimeout", err)
	}

	// Both instances at once: the stopped ones were replaced.
	square := squarePDF()
	var docs []*Document
	for range 2 {
		d, ok, err := p.TryOpen(context.Background(), bytes.NewReader(square), int64(len(square)))
		if !ok || err != nil {
			t.Fatalf("TryOpen after the stops = %v, %v; want a free instance", ok, err)
		}
		t.Cleanup(func() { d.Close() })
		docs = append(docs, d)
	}
	for _, d := range docs {
		if img, err := d.RenderJPEG(context.Background(), 1, 72, 85); err != nil || img.Width != 200 {
			t.Errorf("render after the stops = %d px wide, %v; want 200", img.Width, err)
		}
		d.Close()
	}
}
