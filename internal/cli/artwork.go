package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/config"
	"github.com/atomyx/submit/internal/filelink"
	"github.com/atomyx/submit/internal/netguard"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/pipeline"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/proof"
	"github.com/atomyx/submit/internal/workflow"
)

// artwork is what serve needs for files and their processing: storage,
// links, the preflight engine and the proof renderer.
type artwork struct {
	Blobs  blob.Store
	Links  *filelink.Links
	engine *preflight.Engine
	// pages is the process's one PDFium pool: whatever renders pages
	// (proofs, report thumbnails) renders through it, so PDFium is
	// compiled once and the workers bound all rendering together.
	pages    *pdfium.Pool
	renderer *proof.Renderer
	cfg      *config.Config
	tmp      string
}

// newArtwork opens file storage (--blob-url, else <data-dir>/files), loads
// the shared file-link key and starts the engines. PDFium's compiled code
// is cached under <data-dir>/cache/renderer, so only the first start
// compiles (and a cache that cannot be written is done without, logged).
// Of the store it needs only where the link key is kept.
func newArtwork(ctx context.Context, cfg *config.Config, st filelink.SecretStore, log *slog.Logger) (*artwork, error) {
	tmp := filepath.Join(cfg.DataDir, "tmp") // not /tmp: it may be memory, and uploads are large
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	sweepTemp(tmp, cmp.Or(cfg.ProofTimeout, proof.DefaultTimeout)+time.Hour, time.Now(), log)
	blobs, err := blob.Open(ctx, cfg.BlobURL, filepath.Join(cfg.DataDir, "files"), blob.S3Options{TempDir: tmp})
	if err != nil {
		return nil, err
	}
	key, err := filelink.LoadKey(ctx, st)
	if err != nil {
		return nil, err
	}
	links, err := filelink.New(key, cfg.PublicURL, cmp.Or(cfg.FileLinkTTL, filelink.DefaultTTL))
	if err != nil {
		return nil, err
	}
	engine, err := preflight.New(preflight.Options{})
	if err != nil {
		return nil, fmt.Errorf("preflight engine: %w", err)
	}
	pages, err := pdfium.New(pdfium.Options{CacheDir: filepath.Join(cfg.DataDir, "cache", "renderer"), Logger: log,
		PageTimeout: cfg.RenderPageTimeout, InstanceMemory: cfg.RenderMemoryMB << 20})
	if err != nil {
		engine.Close()
		return nil, fmt.Errorf("start the PDF renderer: %w", err)
	}
	return &artwork{
		Blobs: blobs, Links: links, engine: engine, pages: pages, renderer: proof.New(pages, proof.Options{Timeout: cfg.ProofTimeout}),
		cfg: cfg, tmp: tmp,
	}, nil
}

// pipeline returns the background service that preflights and proofs,
// fetching artwork URLs through the SSRF-safe client.
func (a *artwork) pipeline(flow *workflow.Service, log *slog.Logger) (*pipeline.Pipeline, error) {
	return pipeline.New(pipeline.Config{
		Flow: flow, Preflight: a.engine, Renderer: a.renderer,
		Client:  netguard.NewClient(netguard.Options{AllowInsecure: a.cfg.AllowInsecureURLs, Timeout: pipeline.DefaultFetchTimeout}),
		TempDir: a.tmp, Logger: log, Lease: a.cfg.PipelineLease, Version: version(),
	})
}

// Close stops the engines.
func (a *artwork) Close() error {
	return errors.Join(a.pages.Close(), a.engine.Close())
}

// sweepTemp removes what a process killed mid-step left in the temporary
// directory: a proof's PDF, a download or upload buffered for S3. A file
// untouched for longer than any step may take (the proof timeout, and an
// hour for transfers) belongs to no running step, so this is safe even
// when another process shares the directory. It runs at start; what it
// cannot remove it logs and leaves.
func sweepTemp(dir string, olderThan time.Duration, now time.Time, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Warn("sweep the temporary directory", slog.Any("error", err))
		return
	}
	removed := 0
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < olderThan {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			log.Warn("remove a stale temporary file", slog.String("file", e.Name()), slog.Any("error", err))
			continue
		}
		removed++
	}
	if removed > 0 {
		log.Info("removed stale temporary files left by a stopped process", slog.Int("files", removed))
	}
}
