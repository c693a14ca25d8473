package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/preflight"
	"github.com/atomyx/submit/internal/store"
	"github.com/atomyx/submit/internal/workflow"
)

// fixTimeout bounds the fixer on one file. The fixer reads only the page
// tree and writes only page dictionaries and small streams, so a file that
// takes longer is hostile; its original is then the file that prints.
const fixTimeout = time.Minute

// fixed is a version's file with the profile's fixes made: where it is
// stored, what was fixed, and its own preflight report.
type fixed struct {
	key    string
	fixes  []job.Fix
	report *preflight.Report
}

// fix makes the fixes the profile switches on to the version's file, when
// the order says what size it is. When any applies it stores the fixed
// file under workflow.ProcessedKey, preflights it, and returns it: the
// report of the file that prints is the one that counts. nil when nothing
// was fixed.
//
// A fix that cannot be made safely never fails the job: a file the fixer
// will not touch (encrypted, damaged), one it cannot finish in
// fixTimeout, or a fixer that fails, leaves the original to print, with a
// log line saying why. Only a failure to store is retried.
func (p *Pipeline) fix(ctx context.Context, j store.Job, v store.ArtworkVersion, f blob.File,
	prof preflight.Profile, exp preflight.Expectations, rep *preflight.Report) (*fixed, error) {
	rules := prof.FixesOn()
	if len(rules) == 0 || exp.TrimWidthPt <= 0 || exp.TrimHeightPt <= 0 || rep.Unusable() {
		return nil, nil
	}
	order := pdffix.Order{TrimWidth: exp.TrimWidthPt, TrimHeight: exp.TrimHeightPt, Bleed: exp.BleedPt}
	switch {
	case exp.BleedPt < 0:
		order.Bleed = 0 // the order says: no bleed
	case exp.BleedPt == 0:
		order.Bleed = preflight.MM(prof.BleedMM)
	}
	tmp, err := os.CreateTemp(p.cfg.TempDir, "submit-fixed-*.pdf")
	if err != nil {
		return nil, retry(err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()

	log := p.log.With(slog.String("job_id", j.ID), slog.String("version_id", v.ID))
	res, err := applyFixes(ctx, f, f.Size(), order, pdffix.Options{Rules: rules, EdgePages: shortOfBleed(rep)}, tmp)
	for _, s := range res.Skipped {
		log.Info("fix skipped", slog.String("code", s.Code), slog.String("why", s.Why))
	}
	switch {
	case ctx.Err() != nil:
		return nil, retry(ctx.Err())
	case err != nil:
		log.Warn("file not fixed; the original prints", slog.String("error", err.Error()))
		return nil, nil
	case !res.Written:
		return nil, nil
	}
	size, err := tmp.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, retry(err)
	}
	fixedRep, err := p.cfg.Preflight.Check(ctx, tmp, size, prof, exp)
	if err != nil {
		return nil, retry(fmt.Errorf("preflight the fixed file of %s: %w", v.ID, err))
	}
	if fixedRep.Unusable() {
		// The fixer wrote a file preflight cannot read: worse than the
		// original, so it is not used.
		log.Error("the fixed file is unreadable; the original prints", slog.Any("findings", fixedRep.Errors))
		return nil, nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, retry(err)
	}
	key := workflow.ProcessedKey(j.ID, v.ID)
	if _, err := p.cfg.Flow.Blobs.Put(ctx, key, tmp); err != nil {
		return nil, retry(&storageError{fmt.Errorf("store the fixed file: %w", err)})
	}
	out := &fixed{key: key, report: fixedRep}
	for _, fx := range res.Fixes {
		out.fixes = append(out.fixes, job.Fix{Code: fx.Code, Message: fx.Message, Pages: fx.Pages})
		fixedRep.Fixes = append(fixedRep.Fixes, preflight.Fixed{Code: fx.Code, Message: fx.Message, Pages: fx.Pages})
	}
	log.Info("file fixed", slog.Int("fixes", len(out.fixes)), slog.Int64("size", size), slog.Int64("original_size", f.Size()))
	return out, nil
}

// applyFixes runs the fixer under fixTimeout and turns a panic into an
// error: a fixer bug on a hostile file must leave the original to print,
// not stop the pipeline.
func applyFixes(ctx context.Context, r io.ReaderAt, size int64, o pdffix.Order, opts pdffix.Options, w io.Writer) (res pdffix.Result, err error) {
	ctx, cancel := context.WithTimeout(ctx, fixTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			res, err = pdffix.Result{}, fmt.Errorf("the fixer failed: %v", v)
		}
	}()
	res, err = pdffix.Apply(ctx, r, size, o, opts, w)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("the fixer took more than %s", fixTimeout)
	}
	return res, err
}

// shortOfBleed lists the pages preflight found short of bleed: the pages
// the bleed fix may extend.
func shortOfBleed(rep *preflight.Report) []int {
	var pages []int
	for _, f := range rep.Errors {
		if f.Code != preflight.CodeBleed {
			continue
		}
		if ps, ok := f.Details["pages"].([]int); ok {
			pages = append(pages, ps...)
		} else if f.Page > 0 {
			pages = append(pages, f.Page)
		}
	}
	return pages
}
