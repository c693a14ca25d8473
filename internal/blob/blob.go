// Package blob keeps Submit's files: uploaded artwork, preflight reports and
// proof pages. Two implementations share one small interface: Local, files
// under the data directory, the default; and S3, any S3-compatible bucket,
// for several processes that share the work.
//
// Keys are slash-separated paths chosen by Submit ("jobs/ses_…/av_…/original.pdf"),
// never by a user, so they need no escaping beyond a check that they stay
// inside the store.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"
)

// ErrNotFound is wrapped when no file has the key.
var ErrNotFound = errors.New("file not found")

// Store is where files live.
type Store interface {
	// Put stores what r yields under key, replacing any file there, and
	// returns its size and SHA-256. The file appears whole or not at all:
	// a reader that fails half-way leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader) (Info, error)
	// Open returns the file stored under key, with random access (the
	// preflight engine and the renderer need io.ReaderAt). The caller
	// closes it. ErrNotFound when there is none.
	Open(ctx context.Context, key string) (File, error)
	// Delete removes the file under key; no error when there is none.
	Delete(ctx context.Context, key string) error
	// DeletePrefix removes every file whose key starts with prefix, a
	// folder ("jobs/ses_…/"): all a deleted job owns, whatever its steps
	// wrote. No error when there is none.
	DeletePrefix(ctx context.Context, prefix string) error
}

// File is an open stored file.
type File interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	// Size is the file's length in bytes.
	Size() int64
}

// Info describes a stored file.
type Info struct {
	Size   int64
	SHA256 string // hex
}

// CheckKey refuses keys that could leave the store's root or that a
// store cannot represent: a clean relative path (so no ".." or "."
// segment, no empty one, no leading "/"), without backslashes or control
// characters.
func CheckKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.ContainsFunc(key, badKeyRune) ||
		path.Clean(key) != key || key == "." || strings.HasPrefix(key, "../") || key == ".." {
		return fmt.Errorf("blob key %q is not a clean relative path", key)
	}
	return nil
}

// checkPrefix refuses a prefix that is not a folder a key could be in: a
// clean relative path ending in "/". So "" and "/", which would name the
// whole store, are refused.
func checkPrefix(prefix string) error {
	dir, ok := strings.CutSuffix(prefix, "/")
	if !ok || CheckKey(dir) != nil {
		return fmt.Errorf("blob prefix %q is not a folder: a clean relative path ending in /", prefix)
	}
	return nil
}

func badKeyRune(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }

// hashingReader counts and hashes what passes through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashingReader(r io.Reader) *hashingReader {
	return &hashingReader{r: r, h: sha256.New()}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += int64(n)
	h.h.Write(p[:n])
	return n, err
}

func (h *hashingReader) info() Info {
	return Info{Size: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}
}
