// Package pdfium renders PDF pages with PDFium compiled to WebAssembly and
// run by wazero: no cgo, no system library, the same pixels on every
// machine. One Pool serves the whole process (preflight thumbnails now,
// proofs later).
//
// Compiling the PDFium module takes about 4 s; with a compilation cache
// directory it takes about 0.1 s after the first run, so callers should pass
// one (under the data directory or os.UserCacheDir).
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
	"time"

	gopdfium "github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Options configure a Pool.
type Options struct {
	// CacheDir holds wazero's compiled module between runs; empty means no
	// cache (every process compiles for about 4 s).
	CacheDir string
	// Workers is how many pages may render at once. Default 2.
	Workers int
	// Wait bounds how long a caller waits for a free worker. Default 30 s.
	Wait time.Duration
}

// Pool is a set of PDFium instances.
type Pool struct {
	pool  gopdfium.Pool
	cache wazero.CompilationCache
	wait  time.Duration
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

// New starts a pool. The first call in a process compiles PDFium (or loads
// it from the cache).
func New(opts Options) (*Pool, error) {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.Wait <= 0 {
		opts.Wait = 30 * time.Second
	}
	// PDFium's WebAssembly build uses exception handling for setjmp/longjmp.
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	p := &Pool{wait: opts.Wait}
	if opts.CacheDir != "" {
		if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
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
		MinIdle: 1, MaxIdle: opts.Workers, MaxTotal: opts.Workers,
		RuntimeConfig: rc,
		// An empty file system: PDFium reads documents only from memory or
		// through readers, never from the host's disk.
		FSConfig: wazero.NewFSConfig(),
		Stdout:   io.Discard, Stderr: io.Discard,
		ReuseWorkers: true,
	})
	if err != nil {
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
// left out; the error is for a document it cannot open at all.
func (p *Pool) Render(ctx context.Context, r io.ReaderAt, size int64, pages []int, maxPx int) ([]Page, error) {
	ctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	inst, err := p.pool.GetInstanceWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("pdfium: get instance: %w", err)
	}
	defer inst.Close()
	doc, err := inst.OpenDocument(&requests.OpenDocument{FileReader: io.NewSectionReader(r, 0, size), FileReaderSize: size})
	if err != nil {
		return nil, fmt.Errorf("pdfium: open document: %w", err)
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	var out []Page
	for _, n := range pages {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		res, err := inst.RenderPageInPixels(&requests.RenderPageInPixels{
			Page:  requests.Page{ByIndex: &requests.PageByIndex{Document: doc.Document, Index: n - 1}},
			Width: maxPx, Height: maxPx,
		})
		if err != nil {
			continue
		}
		// The pixels live in WebAssembly memory until Cleanup: copy them.
		img := cloneImage(res.Result.RenderedImage)
		res.Cleanup()
		out = append(out, Page{Number: n, Image: img})
	}
	return out, nil
}

func cloneImage(src image.Image) image.Image {
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	return dst
}
