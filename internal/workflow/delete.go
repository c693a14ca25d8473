package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/atomyx/submit/internal/job"
)

// ErrLiveJob refuses to delete a live job: its order is real, and its
// history is the print business's record of it. It is cancelled instead.
var ErrLiveJob = errors.New("live jobs cannot be deleted; cancel them instead")

// fileSweepTimeout bounds the removal of a deleted job's files, which runs
// on after the request that asked for it has gone.
const fileSweepTimeout = time.Minute

// Deletion is what DeleteTestJob did.
type Deletion struct {
	// Job is the job as it was before it was deleted.
	Job job.Job
	// FilesErr is why some of the job's files may be left in storage; nil
	// when they are all gone. The job is deleted either way: the caller
	// logs it, and the files are unreachable (no link names them).
	FilesErr error
}

// DeleteTestJob deletes a test-mode job and everything Submit keeps about
// it: its rows in one transaction (store.DeleteJob), then its files. Test
// data an integrator made can so be cleaned up; a live job is refused with
// ErrLiveJob, a job that is not the tenant's is store.ErrNotFound.
//
// The files go after the commit, so that a failure to remove them never
// leaves a job whose files are missing. What may be under way meanwhile:
// a callback being sent (its attempt then finds the delivery gone and is
// dropped), a pipeline step (its next write to the job finds it gone; the
// pipeline then removes what the step wrote since, DeleteJobFiles), an
// upload (its transition finds the job gone and it removes its file).
func (s *Service) DeleteTestJob(ctx context.Context, tenantID, jobID string) (Deletion, error) {
	j, err := s.Store.Job(ctx, tenantID, jobID)
	if err != nil {
		return Deletion{}, fmt.Errorf("delete job %s: %w", jobID, err)
	}
	// Livemode never changes, so reading it before the delete decides
	// for the delete too.
	if j.Livemode {
		return Deletion{Job: j}, fmt.Errorf("delete job %s: %w", jobID, ErrLiveJob)
	}
	if err := s.Store.DeleteJob(ctx, tenantID, jobID); err != nil {
		return Deletion{Job: j}, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fileSweepTimeout)
	defer cancel()
	return Deletion{Job: j, FilesErr: s.DeleteJobFiles(ctx, jobID)}, nil
}

// DeleteJobFiles removes every stored file of a job (JobPrefix). Deleting
// a job calls it; so does the pipeline when a step finds that the job it
// worked on was deleted meanwhile, since the step may have written files
// after the job's were removed. Best effort: a file left behind is only
// space, as nothing links to it.
func (s *Service) DeleteJobFiles(ctx context.Context, jobID string) error {
	if s.Blobs == nil {
		return nil
	}
	if err := s.Blobs.DeletePrefix(ctx, JobPrefix(jobID)); err != nil {
		return fmt.Errorf("delete files of job %s: %w", jobID, err)
	}
	return nil
}
