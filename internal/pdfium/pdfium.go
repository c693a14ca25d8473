// Package pdfium renders PDF pages with PDFium compiled to WebAssembly and
// run by wazero: no cgo, no system library, the same pixels on every
// machine. One Pool serves a process: in `submit serve` the proofs, in
// `submit preflight --html` the report's thumbnails; its users share its
// compiled module, its compilation cache and its instances.
//
// Compiling the PDFium module takes about 4 s; with a compilation cache
// directory it takes about 0.1 s after the first run, so callers should pass
// one (<data-dir>/cache/renderer for the server).
//
// Each open Document has an instance of its own, which is thrown away when
// the document is closed: WebAssembly memory only grows, and a fresh
// instance is how the memory of a large page is given back. On Linux that
// memory is a mapping outside the Go heap (memory_linux.go), so it goes
// back to the system the moment the instance closes. Making an
// instance from the compiled module is cheap next to rendering a page.
package pdfium

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	gopdfium "github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// GCPercent is the garbage collector's target (GOGC) for a process that
// renders, set by TuneGC.
//
// Why: PDFium's WebAssembly build turns every setjmp into a try_table, and
// wazero checkpoints each try_table entry by copying the wasm stack into a
// new Go allocation (upstream: wazero pull request 2530, open). PDFium's
// JPEG decoder calls setjmp once per scanline, so a 300 ppi photo page
// allocates about 36 MB of short-lived garbage. At the default GOGC of 100
// and a heap of a few tens of MB that is a collection or more per page, and
// each one has to stop instances running wasm code, which cannot be
// preempted: two instances rendered photo pages 1.4 times as fast as one,
// not twice. At 400 they render them 1.8 to 1.9 times as fast, and the
// heap the collector aims for is still five times the live heap.
const GCPercent = 400

// TuneGC sets the collector's target to GCPercent unless the environment
// sets GOGC, which the operator's choice wins over. Call it once, at the
// start of a command that renders many pages (serve).
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}

// Options configure a Pool.
type Options struct {
	// CacheDir holds wazero's compiled module between runs; empty means no
	// cache (every process compiles for about 4 s).
	CacheDir string
	// Workers is how many documents may be open at once; more wait.
	// Default 2.
	Workers int
	// Wait bounds how long Render waits for a free worker. Default 30 s.
	Wait time.Duration
}

// Pool is a set of PDFium instances. It is safe for concurrent use.
type Pool struct {
	pool  gopdfium.Pool
	cache wazero.CompilationCache
	wait  time.Duration
	// slots holds a token per instance that may exist. Taking one before
	// asking go-pdfium's pool for an instance means that pool never waits,
	// and lets TryOpen ask "is one free?" without blocking.
	slots chan struct{}
}

// DefaultCacheDir is the compilation cache under the user's cache
// directory, or "" when there is none.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "submit", "wazero")
}

// New starts a pool: it compiles PDFium, or loads it from the cache.
func New(opts Options) (*Pool, error) {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Wait <= 0 {
		opts.Wait = 30 * time.Second
	}
	// PDFium's WebAssembly build uses exception handling for setjmp/longjmp.
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	p := &Pool{wait: opts.Wait, slots: make(chan struct{}, opts.Workers)}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o750); err != nil {
			return nil, fmt.Errorf("pdfium: create cache dir: %w", err)
		}
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("pdfium: open compilation cache %s: %w", opts.CacheDir, err)
		}
		p.cache = cache
		rc = rc.WithCompilationCache(cache)
	}
	pool, err := webassembly.Init(webassembly.Config{
		Context: withMappedMemory(context.Background()),
		// No idle instance: one would hold its memory while nothing renders.
		MinIdle: 0, MaxIdle: opts.Workers, MaxTotal: opts.Workers,
		RuntimeConfig: rc,
		// An empty file system: PDFium reads documents only through
		// readers, never from the host's disk.
		FSConfig: wazero.NewFSConfig(),
		Stdout:   io.Discard, Stderr: io.Discard,
		// Instances are thrown away after each document (see the package
		// doc), not reused.
		ReuseWorkers: false,
	})
	if err != nil {
		if p.cache != nil {
			p.cache.Close(context.Background())
		}
		return nil, fmt.Errorf("pdfium: start: %w", err)
	}
	p.pool = pool
	return p, nil
}

// Close stops the pool.
func (p *Pool) Close() error {
	err := p.pool.Close()
	if p.cache != nil {
		err = errors.Join(err, p.cache.Close(context.Background()))
	}
	return err
}

// Page is a rendered page.
type Page struct {
	Number int // 1-based
	Image  image.Image
}

// Render renders the given 1-based pages of the PDF read through r, each
// to fit in a box of maxPx × maxPx pixels. Pages PDFium cannot render are
// left out; the error is for a document it cannot open at all. It waits
// at most Options.Wait for a free worker.
func (p *Pool) Render(ctx context.Context, r io.ReaderAt, size int64, pages []int, maxPx int) ([]Page, error) {
	ctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	doc, err := p.Open(ctx, io.NewSectionReader(r, 0, size), size)
	if err != nil {
		return nil, err
	}
	defer doc.Close()
	var out []Page
	for _, n := range pages {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		img, err := doc.RenderImage(n, maxPx)
		if err != nil {
			continue
		}
		out = append(out, Page{Number: n, Image: img})
	}
	return out, nil
}

func cloneImage(src image.Image) image.Image {
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	return dst
}
