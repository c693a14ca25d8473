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
//
// Every call into PDFium has a deadline, and every instance's memory a
// bound (Options.InstanceMemory): a hostile page (forms that draw forms a
// million times) could keep PDFium busy for a minute and grow its memory
// to its own maximum, 2 GiB. When the call's context ends or it runs
// longer than Options.PageTimeout, the instance refuses to grow its memory
// or read the file from then on, and the call stops at its next attempt:
// a runaway page grows its memory all the time, and PDFium aborts when it
// cannot. The instance is then thrown away, and the pool makes a new one
// for the next document. A loop that neither allocates nor reads runs to
// its end.
//
// wazero can stop running code at once (WithCloseOnContextDone), but in
// wazero 1.12 its compiled code then leaves for Go at every turn of every
// loop: proofs took 3 (text) to 6 (photos) times as long (wazero issue
// 2466), too dear for what it adds.
package pdfium

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
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

// MemoryLimit is the soft limit TuneGC sets on the Go runtime's memory.
// GCPercent lets garbage grow to five times the live heap, and a few large
// files at once made that gigabytes, kept for minutes; under the limit the
// collector runs as often as it must to stay below it, so GCPercent keeps
// its speed while the heap is small and the garbage is bounded when it is
// not. The server needs a few hundred megabytes (docs/pipeline.md);
// WebAssembly memory is mapped outside the Go heap and not counted.
const MemoryLimit = 1 << 30

// TuneGC sets the collector's target to GCPercent unless the environment
// sets GOGC, and a soft memory limit of MemoryLimit, or half the
// container's memory when that is less, unless it sets GOMEMLIMIT: the
// operator's choice wins. Call it once, at the start of a command that
// renders many pages (serve).
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit(containerMemory()))
	}
}

// TuneProcs gives the Go scheduler one processor more for each instance
// a pool of workers may run, unless the environment sets GOMAXPROCS.
// Go cannot preempt a goroutine while it runs WebAssembly: an instance
// rendering a page holds its processor until it calls back into Go. On
// a 2-core server rendering two proofs, the API then waited for the
// renders (POST /api/jobs at 12 ms p50 and up to 650 ms p99, against
// 1.1 ms and 60–77 ms with two more processors; bench/hostile). The
// renders still share the cores with everything else, as any process's
// threads do.
func TuneProcs(getenv func(string) string, workers int) {
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + max(workers, 0))
	}
}

// memoryLimit is MemoryLimit, or half of total when that is less.
func memoryLimit(total int64) int64 {
	if total > 0 {
		return min(MemoryLimit, total/2)
	}
	return MemoryLimit
}

// containerMemory is the memory limit of the process's cgroup (v2), or 0
// when there is none.
func containerMemory() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64) // "max" when unlimited
	if err != nil {
		return 0
	}
	return n
}

// Options configure a Pool.
type Options struct {
	// CacheDir holds wazero's compiled module between runs; empty means no
	// cache (every process compiles for about 4 s).
	CacheDir string
	// Workers is how many documents may be open at once; more wait.
	// Default DefaultWorkers.
	Workers int
	// Wait bounds how long Render waits for a free worker. Default 30 s.
	Wait time.Duration
	// Logger hears, once, that the pool started without its cache.
	// Default: discard.
	Logger *slog.Logger
	// PageTimeout bounds each call into PDFium: opening a document,
	// reading a page's size or boxes, rendering it. A call that runs
	// longer is stopped, its instance thrown away, and it fails with
	// ErrTimeout. Default DefaultPageTimeout.
	PageTimeout time.Duration
	// InstanceMemory bounds the WebAssembly memory of each instance, in
	// bytes: a page that needs more fails with ErrPage, as the file's
	// fault. Default DefaultInstanceMemory.
	InstanceMemory int64
}

// DefaultInstanceMemory is Options.InstanceMemory's default. Unbounded,
// PDFium's memory grows to some 200 MiB on a page of 300 ppi photos, but
// such a page renders within 48 MiB and a 300 ppi A1 poster within 160
// (TestInstanceMemoryBoundsAPage); PDFium's own maximum is 2 GiB, which a
// page of forms drawing forms reached and trapped on, and two such pages
// at once took the server past 2 GB.
const DefaultInstanceMemory = 192 << 20

// DefaultWorkers is Options.Workers's default.
const DefaultWorkers = 2

// DefaultPageTimeout is Options.PageTimeout's default: a page of 300 ppi
// photos renders in about a second, and a hostile one is stopped in a
// minute.
const DefaultPageTimeout = 60 * time.Second

// Pool is a set of PDFium instances. It is safe for concurrent use.
type Pool struct {
	pool        gopdfium.Pool
	cache       wazero.CompilationCache
	mem         *mappings
	wait        time.Duration
	pageTimeout time.Duration
	// slots holds a token per instance that may exist. Taking one before
	// asking go-pdfium's pool for an instance means that pool never waits,
	// and lets TryOpen ask "is one free?" without blocking.
	slots chan struct{}
	// heavy holds a token per heavy document open (OpenHeavy): one fewer
	// than the instances, so that a light document always finds one.
	heavy chan struct{}

	closing  chan struct{} // closed when Close is called
	close    sync.Once
	closeErr error
}

// ErrClosed is returned by Open and TryOpen once Close has been called.
var ErrClosed = errors.New("pdfium: the renderer is closed")

// DefaultCacheDir is the compilation cache under the user's cache
// directory, or "" when there is none.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "submit", "wazero")
}

// New starts a pool: it compiles PDFium, or loads it from the cache. The
// cache is an optimisation: when it cannot be made or written (a file in
// its way, a read-only or full disk), the pool starts without it and says
// so once in the log.
func New(opts Options) (*Pool, error) {
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Wait <= 0 {
		opts.Wait = 30 * time.Second
	}
	if opts.PageTimeout <= 0 {
		opts.PageTimeout = DefaultPageTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.InstanceMemory <= 0 {
		opts.InstanceMemory = DefaultInstanceMemory
	}
	p := &Pool{
		mem: &mappings{limit: uint64(opts.InstanceMemory)}, wait: opts.Wait, pageTimeout: opts.PageTimeout,
		slots: make(chan struct{}, opts.Workers), heavy: make(chan struct{}, max(1, opts.Workers-1)),
		closing: make(chan struct{}),
	}
	var err error
	if opts.CacheDir != "" {
		if p.cache, err = openCache(opts.CacheDir); err == nil {
			p.pool, err = p.start(opts.Workers)
			if err != nil { // writing the compiled code into the cache fails the compilation
				p.cache.Close(context.Background())
				p.cache = nil
			}
		}
		if err != nil {
			opts.Logger.Warn("the PDF renderer starts without its compilation cache, so every start compiles it (about 4 s)",
				slog.String("dir", opts.CacheDir), slog.Any("error", err))
		}
	}
	if p.pool == nil {
		if p.pool, err = p.start(opts.Workers); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// openCache opens wazero's compilation cache in dir, making dir if needed.
func openCache(dir string) (wazero.CompilationCache, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create cache dir: %w", err)
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open compilation cache: %w", err)
	}
	return cache, nil
}

// start compiles PDFium (or loads it from p.cache, when not nil) and makes
// go-pdfium's pool of instances, whose memory p.mem maps.
func (p *Pool) start(workers int) (gopdfium.Pool, error) {
	// PDFium's WebAssembly build uses exception handling for setjmp/longjmp.
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	if p.cache != nil {
		rc = rc.WithCompilationCache(p.cache)
	}
	pool, err := webassembly.Init(webassembly.Config{
		Context: p.mem.context(context.Background()),
		// No idle instance: one would hold its memory while nothing renders.
		MinIdle: 0, MaxIdle: workers, MaxTotal: workers,
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
		return nil, fmt.Errorf("pdfium: start: %w", err)
	}
	return pool, nil
}

// Close stops the pool once no document is open. From its call on, Open
// and TryOpen fail with ErrClosed; the documents open then are waited
// for, not closed under the page they render, which would fail it as if
// the file were at fault. So a caller stops its renders first (serve stops
// the pipeline), and one that never closes a document makes Close wait
// for ever. Later calls return the first one's result.
func (p *Pool) Close() error {
	p.close.Do(func() {
		close(p.closing)
		for range cap(p.slots) { // every slot back: no document is open
			p.slots <- struct{}{}
		}
		p.closeErr = p.pool.Close()
		if p.cache != nil {
			p.closeErr = errors.Join(p.closeErr, p.cache.Close(context.Background()))
		}
	})
	return p.closeErr
}

// Page is a rendered page.
type Page struct {
	Number int // 1-based
	Image  image.Image
}

// Render renders the given 1-based pages of the PDF read through r, each
// to fit in a box of maxPx × maxPx pixels. Pages PDFium cannot render are
// left out; the error is for a document it cannot open at all, or for
// rendering stopped by ctx or PageTimeout, with the pages rendered before.
// It waits at most Options.Wait for a free worker.
func (p *Pool) Render(ctx context.Context, r io.ReaderAt, size int64, pages []int, maxPx int) ([]Page, error) {
	// Options.Wait bounds the wait for an instance, not the opening.
	wait, cancel := context.WithTimeout(ctx, p.wait)
	err := p.acquire(wait)
	cancel()
	if err != nil {
		return nil, err
	}
	doc, err := p.open(ctx, io.NewSectionReader(r, 0, size), size)
	if err != nil {
		return nil, err
	}
	defer doc.Close()
	var out []Page
	for _, n := range pages {
		img, err := doc.RenderImage(ctx, n, maxPx)
		if err != nil && doc.stopped() {
			return out, err
		}
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
