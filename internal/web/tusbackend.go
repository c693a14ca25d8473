package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/blob"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/s3store"
)

// tusBackend is where unfinished uploads are kept: tusd's file store under
// the data directory, which only the process that received an upload can
// resume, or tusd's S3 store in the blob bucket, which every process
// shares.
type tusBackend interface {
	NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error)
	GetUpload(ctx context.Context, id string) (tusd.Upload, error)
	AsTerminatableUpload(up tusd.Upload) tusd.TerminatableUpload
	// list returns the unfinished uploads whose id starts with prefix,
	// each with its declared size.
	list(ctx context.Context, prefix string) ([]tusd.FileInfo, error)
	// validID reports whether s is an id this store mints for the job:
	// nothing else may reach it.
	validID(jobID, s string) bool
	// onDisk reports whether the upload's bytes stay on the data
	// directory's disk until it is finished, so that the disk's floor
	// must hold them.
	onDisk() bool
}

// fileBackend is tusd's file store: an upload is a data file and an info
// file under the directory.
type fileBackend struct{ filestore.FileStore }

func (b fileBackend) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	up, err := b.FileStore.NewUpload(ctx, info)
	if err != nil {
		// The data file may exist without its info, or an empty info
		// (the disk refused its write) that would count against the
		// job's cap until the sweep.
		_ = os.Remove(filepath.Join(b.Path, info.ID))
		_ = os.Remove(filepath.Join(b.Path, info.ID+".info"))
	}
	return up, err
}

func (b fileBackend) list(ctx context.Context, prefix string) ([]tusd.FileInfo, error) {
	entries, err := os.ReadDir(b.Path)
	if err != nil {
		return nil, fmt.Errorf("list unfinished uploads: %w", err)
	}
	var infos []tusd.FileInfo
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".info")
		if !ok || !strings.HasPrefix(id, prefix) {
			continue
		}
		info := tusd.FileInfo{ID: id} // counted even when its info cannot be read
		if up, err := b.GetUpload(ctx, id); err == nil {
			if i, err := up.GetInfo(ctx); err == nil {
				info = i
			}
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// validID: the file store joins the id into a path, so one link could
// otherwise reach another link's upload, or files outside the directory.
func (fileBackend) validID(jobID, s string) bool { return isUploadIDOf(jobID, s) }

func (fileBackend) onDisk() bool { return true }

// s3Backend is tusd's S3 store under the blob bucket's "uploads/": an
// upload is an S3 multipart upload, an info object and, between chunks,
// the tail smaller than S3's least part size. tusd adds the multipart
// upload's id to the upload's: "job…-token+multipartID".
type s3Backend struct {
	s3store.S3Store
	client *s3.Client
	bucket string
	prefix string // of every upload's objects, ending in "uploads/"
}

// newS3Backend keeps uploads in the bucket of blobs, spooling each chunk
// to tmpDir on its way (tusd's S3 store needs parts of at least 5 MiB).
func newS3Backend(blobs *blob.S3, tmpDir string) *s3Backend {
	client, bucket, prefix := blobs.Bucket()
	store := s3store.New(bucket, client)
	store.ObjectPrefix = prefix + "uploads/"
	store.TemporaryDirectory = tmpDir
	return &s3Backend{S3Store: store, client: client, bucket: bucket, prefix: store.ObjectPrefix}
}

// AsTerminatableUpload is the S3 store's, which takes its own type only.
func (b *s3Backend) AsTerminatableUpload(up tusd.Upload) tusd.TerminatableUpload {
	return b.S3Store.AsTerminatableUpload(up)
}

// list reads the info objects: an upload's id names its multipart upload
// too, which only the info holds, beside its size.
func (b *s3Backend) list(ctx context.Context, prefix string) ([]tusd.FileInfo, error) {
	objs, err := b.infoObjects(ctx, prefix)
	if err != nil {
		return nil, err
	}
	infos := make([]tusd.FileInfo, 0, len(objs))
	for _, o := range objs {
		infos = append(infos, tusd.FileInfo{ID: o.id, Size: o.size})
	}
	return infos, nil
}

// s3Info is an upload's info object.
type s3Info struct {
	id       string // the upload's, with its multipart upload's id
	size     int64  // declared
	key      string // the object's
	modified time.Time
}

// infoObjects lists the info objects of the uploads whose id starts with
// prefix, and reads each one's upload id.
func (b *s3Backend) infoObjects(ctx context.Context, prefix string) ([]s3Info, error) {
	pages := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(b.bucket), Prefix: aws.String(b.prefix + prefix),
	})
	var out []s3Info
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list unfinished uploads in bucket %s: %w", b.bucket, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if !strings.HasSuffix(key, ".info") {
				continue
			}
			info, err := b.readInfo(ctx, key)
			if err != nil {
				return nil, err
			}
			if info.ID != "" {
				out = append(out, s3Info{id: info.ID, size: info.Size, key: key, modified: aws.ToTime(o.LastModified)})
			}
		}
	}
	return out, nil
}

// readInfo reads an upload's info object; the zero FileInfo when the
// object is gone (finished or deleted meanwhile).
func (b *s3Backend) readInfo(ctx context.Context, key string) (tusd.FileInfo, error) {
	var info tusd.FileInfo
	res, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		if isS3NotFound(err) {
			return info, nil
		}
		return info, fmt.Errorf("read upload info %s: %w", key, err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&info); err != nil {
		return tusd.FileInfo{}, fmt.Errorf("read upload info %s: %w", key, err)
	}
	return info, nil
}

// lastWritten is when the upload last received bytes: its info object,
// its tail object and its parts.
func (b *s3Backend) lastWritten(ctx context.Context, o s3Info) (time.Time, error) {
	last := o.modified
	objectID, multipartID, _ := strings.Cut(o.id, "+")
	tail, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(b.prefix + objectID + ".part")})
	switch {
	case err == nil:
		last = later(last, aws.ToTime(tail.LastModified))
	case !isS3NotFound(err):
		return last, fmt.Errorf("read upload %s: %w", o.id, err)
	}
	parts := s3.NewListPartsPaginator(b.client, &s3.ListPartsInput{
		Bucket: aws.String(b.bucket), Key: aws.String(b.prefix + objectID), UploadId: aws.String(multipartID),
	})
	for parts.HasMorePages() {
		page, err := parts.NextPage(ctx)
		if err != nil {
			// No such multipart upload: finished or aborted, and
			// nothing more will be written.
			return last, nil
		}
		for _, p := range page.Parts {
			last = later(last, aws.ToTime(p.LastModified))
		}
	}
	return last, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func isS3NotFound(err error) bool {
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && re.HTTPStatusCode() == 404
}

// maxMultipartID bounds the multipart upload's part of an id, which goes
// into every S3 request on the upload: AWS's are about 100 characters.
const maxMultipartID = 1024

// validID: the object's part of the id must be one newUploadID minted for
// the job, and S3 checks that the multipart upload's is of that object.
func (b *s3Backend) validID(jobID, s string) bool {
	objectID, multipartID, ok := strings.Cut(s, "+")
	return ok && isUploadIDOf(jobID, objectID) && multipartID != "" && len(multipartID) <= maxMultipartID &&
		!strings.ContainsFunc(multipartID, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '/' || r == '+' })
}

func (*s3Backend) onDisk() bool { return false }
