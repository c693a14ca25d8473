package pipeline

import (
	"context"
	"errors"
	"log/slog"

	"github.com/atomyx/submit/internal/store"
)

// deleted reports whether j was deleted (a test job, DELETE /api/jobs/{id})
// while a step worked on it, and if so removes the files the step may
// have written after the job's own were removed. The step's failure is
// then no failure: there is nothing left to retry, give up on or release.
func (p *Pipeline) deleted(ctx context.Context, j store.Job) bool {
	_, err := p.cfg.Flow.Store.Job(ctx, j.TenantID, j.ID)
	if !errors.Is(err, store.ErrNotFound) {
		return false
	}
	p.log.Info("job deleted during its pipeline step; its files are removed", slog.String("job_id", j.ID))
	if err := p.cfg.Flow.DeleteJobFiles(ctx, j.ID); err != nil {
		p.log.Warn("remove a deleted job's files", slog.String("job_id", j.ID), slog.Any("error", err))
	}
	return true
}
