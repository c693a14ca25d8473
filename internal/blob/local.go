package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Local keeps files in a directory on the local disk: by default
// <data-dir>/files.
type Local struct {
	root string
}

// NewLocal returns a Local rooted at dir, creating dir if needed.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create file directory %s: %w", dir, err)
	}
	return &Local{root: dir}, nil
}

func (l *Local) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// Put writes to a temporary file next to the target and renames it into
// place, so that a reader never sees half a file and a crash leaves at most
// a temporary file, never a short one under the key.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (Info, error) {
	p, err := l.path(key)
	if err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	hr := newHashingReader(r)
	_, err = io.Copy(tmp, ctxReader{ctx, hr})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return Info{}, fmt.Errorf("store %s: %w", key, err)
	}
	return hr.info(), nil
}

// Open opens the file for reading.
func (l *Local) Open(_ context.Context, key string) (File, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", key, err)
	}
	return &osFile{File: f, size: st.Size()}, nil
}

// Delete removes the file, and its directory when that becomes empty, so
// that deleted jobs leave no empty trees behind.
func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	_ = os.Remove(filepath.Dir(p)) // fails, harmlessly, while not empty
	return nil
}

// DeletePrefix removes the folder prefix names, with everything in it.
func (l *Local) DeletePrefix(_ context.Context, prefix string) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	dir := filepath.Join(l.root, filepath.FromSlash(strings.TrimSuffix(prefix, "/")))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("delete %s: %w", prefix, err)
	}
	return nil
}

// osFile is an *os.File that knows its size.
type osFile struct {
	*os.File
	size int64
}

func (f *osFile) Size() int64 { return f.size }

// ctxReader stops a copy when ctx ends, so that a cancelled request does
// not keep writing a large upload.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
