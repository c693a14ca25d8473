package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// S3 keeps files in a bucket of any S3-compatible service (AWS S3, MinIO,
// Ceph, R2, …).
//
// Put spools the stream to a temporary file first: it must be hashed and
// counted anyway, and a seekable body of known length lets one PutObject
// send it (up to 5 GiB, far above the upload limit) with no multipart
// bookkeeping to clean up after a failure. Open downloads to a temporary
// file, because the preflight engine and the renderer read at random
// offsets and thousands of small ranged GETs would be slower than one
// sequential download.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string // prepended to every key, "" or ending in "/"
	tmpDir string
}

// S3Options configure NewS3 beyond what the URL says.
type S3Options struct {
	// TempDir holds spooled uploads and downloads. Default os.TempDir().
	TempDir string
	// HTTPClient, when set, replaces the SDK's default client (tests).
	HTTPClient aws.HTTPClient
}

// NewS3 opens the bucket named by a URL of the form
//
//	s3://bucket[/prefix]?region=eu-west-1&endpoint=https://minio.example.com&use_path_style=true
//
// Credentials come from the usual AWS sources: AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, a shared profile, or an instance role.
func NewS3(ctx context.Context, rawURL string, o S3Options) (*S3, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("--blob-url %q must look like s3://bucket?region=…", rawURL)
	}
	q := u.Query()
	opts := []func(*awsconfig.LoadOptions) error{}
	if r := q.Get("region"); r != "" {
		opts = append(opts, awsconfig.WithRegion(r))
	}
	if o.HTTPClient != nil {
		opts = append(opts, awsconfig.WithHTTPClient(o.HTTPClient))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3 settings: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // S3-compatible servers ignore it, but the signer needs one
	}
	pathStyle, _ := strconv.ParseBool(q.Get("use_path_style"))
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if e := q.Get("endpoint"); e != "" {
			so.BaseEndpoint = aws.String(e)
		}
		so.UsePathStyle = pathStyle
		// Checksums only when the service requires them: S3-compatible
		// servers differ in which of the newer checksum headers they know.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: u.Host, prefix: prefix, tmpDir: o.TempDir}, nil
}

func (s *S3) key(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// Put spools r to a temporary file while hashing it, then uploads it.
func (s *S3) Put(ctx context.Context, key string, r io.Reader) (Info, error) {
	k, err := s.key(key)
	if err != nil {
		return Info{}, err
	}
	tmp, err := os.CreateTemp(s.tmpDir, "submit-put-*")
	if err != nil {
		return Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	hr := newHashingReader(r)
	if _, err := io.Copy(tmp, ctxReader{ctx, hr}); err != nil {
		return Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	info := hr.info()
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.bucket), Key: aws.String(k), Body: tmp,
		ContentLength: aws.Int64(info.Size),
	})
	if err != nil {
		return Info{}, fmt.Errorf("store %s in bucket %s: %w", key, s.bucket, err)
	}
	return info, nil
}

// Open downloads the object to a temporary file that Close removes.
func (s *S3) Open(ctx context.Context, key string) (File, error) {
	k, err := s.key(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)})
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return nil, fmt.Errorf("open %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in bucket %s: %w", key, s.bucket, err)
	}
	defer out.Body.Close()
	tmp, err := os.CreateTemp(s.tmpDir, "submit-get-*")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", key, err)
	}
	// Unlinked at once on Unix: the open descriptor keeps the data, and
	// nothing is left behind whatever happens to the process.
	_ = os.Remove(tmp.Name())
	n, err := io.Copy(tmp, out.Body)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		tmp.Close()
		return nil, fmt.Errorf("download %s: %w", key, err)
	}
	return &osFile{File: tmp, size: n}, nil
}

// Delete removes the object; S3 answers success for a missing key too.
func (s *S3) Delete(ctx context.Context, key string) error {
	k, err := s.key(key)
	if err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(k)}); err != nil {
		return fmt.Errorf("delete %s in bucket %s: %w", key, s.bucket, err)
	}
	return nil
}

// DeletePrefix lists the objects under prefix and deletes them, a page
// (up to 1,000 keys, S3's limit for both calls) at a time.
func (s *S3) DeletePrefix(ctx context.Context, prefix string) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket), Prefix: aws.String(s.prefix + prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s in bucket %s: %w", prefix, s.bucket, err)
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(s.bucket), Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return fmt.Errorf("delete %s in bucket %s: %w", prefix, s.bucket, err)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s in bucket %s: %d objects refused, the first %s: %s",
				prefix, s.bucket, len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Message))
		}
	}
	return nil
}

// Open returns the store a --blob-url names: empty for Local under
// defaultDir, s3://… for S3.
func Open(ctx context.Context, blobURL, defaultDir string, o S3Options) (Store, error) {
	switch {
	case blobURL == "":
		return NewLocal(defaultDir)
	case strings.HasPrefix(blobURL, "s3://"):
		return NewS3(ctx, blobURL, o)
	}
	return nil, fmt.Errorf("--blob-url %q: use s3://bucket?… or leave it empty for files in the data directory", blobURL)
}

// Bucket returns the client, the bucket and the prefix of every key, for
// what keeps its own objects beside Submit's files: tusd's S3 store keeps
// unfinished resumable uploads under the prefix's "uploads/".
func (s *S3) Bucket() (client *s3.Client, bucket, prefix string) {
	return s.client, s.bucket, s.prefix
}
