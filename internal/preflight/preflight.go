// Package preflight checks PDF artwork for print: it reads a PDF, measures
// what makes artwork unprintable (damage, size, bleed, image resolution,
// fonts, colour, thin lines, small text, overprint, transparency, total ink)
// against a Profile and the order's Expectations, and returns a Report of
// findings in plain words with an inventory of pages, images and fonts.
//
// The package knows neither HTTP nor SQL: PDF in, report out.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/atomyx/submit/internal/pdfobj"
)

// Options bound the work done for one file. Zero values take the defaults.
type Options struct {
	// Timeout is the wall-clock limit for one file. Default 60 s.
	Timeout time.Duration
	// MaxFileSize is the largest file accepted. The file is read lazily
	// through the io.ReaderAt (image data only for the ink check, one image
	// at a time), so this bounds work, not memory. Default 1 GiB.
	MaxFileSize int64
	// MaxPages is the largest page count checked. Default 5000.
	MaxPages int
	// MaxStreamBytes bounds one content stream (a page's, all its
	// streams together, or a form's), encoded or decoded: a decompression
	// bomb stops here. Content is read as it is interpreted, so this
	// bounds work, not memory. Default 256 MiB. Object streams are bounded
	// by pdfobj's own limit, 64 MiB.
	MaxStreamBytes int64
	// MaxDecodedBytes bounds the decoded data held in memory at once by
	// all the checks of the engine (one per process in the server): object
	// streams and the pixels of JPEGs the ink check measures, the only
	// data that must be held whole. A check that needs more waits for the
	// others, within its time limit. Default 256 MiB: the largest JPEG
	// the ink check takes needs about 192 MiB.
	MaxDecodedBytes int64
	// MaxInkImageBytes bounds the samples of one image the ink check
	// decodes (width × height × components); larger images are named as
	// not measured. Decoding a JPEG needs about twice that in memory, so
	// it is kept well below MaxStreamBytes: the default, 96 MiB, takes an
	// A3 page of 300 ppi CMYK (70 MB) and keeps the server far under
	// half a gigabyte.
	MaxInkImageBytes int64
	// MaxInkImageTime bounds the time one file spends decoding images for
	// the ink check; images left when it is spent are named as not
	// measured, rather than the file failing as too complex. Default a
	// third of Timeout.
	MaxInkImageTime time.Duration
	// MaxOperators bounds the content-stream operators interpreted per
	// file, counting a form's operators each time it is drawn. Default 50
	// million.
	MaxOperators int
	// MaxFormRepeatBytes bounds the form content interpreted again per
	// file because forms are drawn more than once on a page (see
	// content.Limits). Default 32 MiB.
	MaxFormRepeatBytes int64
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = 1 << 30
	}
	if o.MaxPages <= 0 {
		o.MaxPages = 5000
	}
	if o.MaxStreamBytes <= 0 {
		o.MaxStreamBytes = 256 << 20
	}
	if o.MaxInkImageTime <= 0 {
		o.MaxInkImageTime = o.Timeout / 3
	}
	if o.MaxInkImageBytes <= 0 {
		o.MaxInkImageBytes = 96 << 20
	}
	if o.MaxDecodedBytes <= 0 {
		o.MaxDecodedBytes = 256 << 20
	}
	if o.MaxOperators <= 0 {
		o.MaxOperators = 50_000_000
	}
	if o.MaxFormRepeatBytes <= 0 {
		o.MaxFormRepeatBytes = 32 << 20
	}
	return o
}

// Engine checks files. It is safe for concurrent use; one Engine serves
// many files.
type Engine struct {
	opts   Options
	budget *pdfobj.Budget
}

// New returns an Engine with the given limits.
func New(opts Options) (*Engine, error) {
	opts = opts.withDefaults()
	return &Engine{opts: opts, budget: pdfobj.NewBudget(opts.MaxDecodedBytes)}, nil
}

// Close releases the engine's resources.
func (e *Engine) Close() error { return nil }

// Check preflights the PDF of the given size read through r. Damaged,
// locked or hostile input is a finding in the report, never an error; the
// error is only for a failure of the engine itself or a cancelled ctx.
func (e *Engine) Check(ctx context.Context, r io.ReaderAt, size int64, p Profile, exp Expectations) (*Report, error) {
	if r == nil {
		return nil, errors.New("preflight: nil reader")
	}
	if p.Name == "" {
		return nil, errors.New("preflight: profile without a name; use LoadProfile")
	}
	rep := &Report{Profile: p.Name}
	if size > e.opts.MaxFileSize {
		rep.add(fileTooLarge(size, e.opts.MaxFileSize))
		rep.finish()
		return rep, nil
	}
	tctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	defer handBack(heapAllocated())

	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: fmt.Errorf("preflight: internal error: %v\n%s", v, debug.Stack())}
			}
		}()
		r, err := e.check(tctx, r, size, p, exp)
		done <- result{r, err}
	}()
	// The worker runs under tctx, so on a timeout it stops at its next
	// cancellation check; its partial report is dropped, not shared.
	select {
	case res := <-done:
		if res.err == nil || ctx.Err() != nil || !errors.Is(res.err, context.DeadlineExceeded) {
			return res.rep, res.err
		}
	case <-tctx.Done():
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("preflight: %w", ctx.Err())
	}
	rep.add(checkTimeout(e.opts.Timeout.String()))
	rep.finish()
	return rep, nil
}

func (e *Engine) check(ctx context.Context, r io.ReaderAt, size int64, p Profile, exp Expectations) (*Report, error) {
	rep := &Report{Profile: p.Name}
	defer rep.finish()
	doc, pages, err := e.openDocument(ctx, r, size, rep)
	if err != nil {
		return rep, rep.addUnusable(err)
	}
	rep.Pages = len(pages)
	for _, pg := range pages {
		rep.Inventory.Pages = append(rep.Inventory.Pages, pg.info)
	}
	checkGeometry(rep, pages, p, exp)
	checkOutputIntent(doc, rep, p)
	used, err := e.scanPages(ctx, r, doc, pages, p, rep)
	if err != nil {
		return rep, rep.addUnusable(err)
	}
	var names map[string]string
	rep.Inventory.Fonts, names = collectFonts(doc, pages)
	checkFonts(rep, p, used, names)
	return rep, nil
}

// handBackAfter is how much a check may allocate before the memory it
// freed is handed back to the system at its end. The server runs with
// GOGC=400 for the renderer's sake (internal/pdfium.TuneGC), so the
// garbage of a large file would otherwise stay resident until the heap
// had grown five times over.
const handBackAfter = 256 << 20

// handBack collects and returns freed memory to the system when the
// process has allocated more than handBackAfter since allocated, the
// count (heapAllocated) when the check started.
func handBack(allocated uint64) {
	if heapAllocated()-allocated > handBackAfter {
		debug.FreeOSMemory()
	}
}

// heapAllocated is the bytes the process has allocated on the heap since
// it started.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// addUnusable turns an *errUnusable into its finding and returns nil;
// other errors (a cancelled context) are returned.
func (r *Report) addUnusable(err error) error {
	var u *errUnusable
	if errors.As(err, &u) {
		r.add(u.f)
		return nil
	}
	return err
}
