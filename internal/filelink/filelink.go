// Package filelink makes the links to stored files that Submit hands out
// in job objects and callbacks (processed_pdf, proof, preflight_report), and
// serves them.
//
// A link is {publicURL}/files/{token}. The token is the blob key and an
// expiry sealed with AES-256-GCM under a key every process of the
// installation shares (kept in the database): it cannot be forged or
// guessed (a 128-bit tag and a 96-bit random nonce), it hides which job and
// version it points to, and it needs no row per link. A link expires
// (default 7 days); links are made afresh each time a job is read or a
// callback is sent, so an ERP always gets a usable one.
//
// Tokens are capabilities: nothing here logs them, and the handler is
// meant to be logged by its route pattern only.
package filelink

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/job"
)

// DefaultTTL is how long a link works: long enough for an ERP to fetch
// files after a weekend outage, short enough that a leaked link dies.
const DefaultTTL = 7 * 24 * time.Hour

// SecretName is the server secret the sealing key is kept under.
const SecretName = "file-links"

// Errors of Open.
var (
	// ErrInvalid: the token was not made by this installation, or was
	// changed.
	ErrInvalid = errors.New("this file link is not valid")
	// ErrExpired: the token was valid until its expiry.
	ErrExpired = errors.New("this file link has expired")
)

// Links makes and reads file links.
type Links struct {
	aead cipher.AEAD
	base string // public URL + "/files/"
	ttl  time.Duration
	// Now is the clock; tests set it.
	Now func() time.Time
}

// New returns Links sealing with key (32 bytes), for links under publicURL.
// ttl 0 means DefaultTTL.
func New(key []byte, publicURL string, ttl time.Duration) (*Links, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("file link key must be 32 bytes, not %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("file link key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("file link key: %w", err)
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Links{aead: aead, base: strings.TrimRight(publicURL, "/") + "/files/", ttl: ttl, Now: time.Now}, nil
}

// SecretStore is where LoadKey finds the installation's sealing key, or
// keeps the one it makes; the store serve opens is one.
type SecretStore interface {
	ServerSecret(ctx context.Context, name string, candidate []byte) ([]byte, error)
}

// LoadKey returns the installation's link key, making it on first use.
func LoadKey(ctx context.Context, st SecretStore) ([]byte, error) {
	candidate := make([]byte, 32)
	if _, err := rand.Read(candidate); err != nil {
		return nil, fmt.Errorf("make file link key: %w", err)
	}
	key, err := st.ServerSecret(ctx, SecretName, candidate)
	if err != nil {
		return nil, fmt.Errorf("file link key: %w", err)
	}
	return key, nil
}

// Token seals a blob key with the default expiry.
func (l *Links) Token(key string) string { return l.TokenUntil(key, l.Now().Add(l.ttl)) }

// TokenUntil seals a blob key that works until the given time.
func (l *Links) TokenUntil(key string, until time.Time) string {
	plain := binary.BigEndian.AppendUint64(nil, uint64(until.Unix()))
	plain = append(plain, key...)
	nonce := make([]byte, l.aead.NonceSize(), l.aead.NonceSize()+len(plain)+l.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(fmt.Sprintf("filelink: no randomness: %v", err)) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(l.aead.Seal(nonce, nonce, plain, nil))
}

// URL is the link to a blob key.
func (l *Links) URL(key string) string { return l.base + l.Token(key) }

// Open returns the blob key a token seals and when it expires.
func (l *Links) Open(token string) (key string, expires time.Time, err error) {
	// Strict: a token has exactly one spelling. Without it, the unused low
	// bits of the last character could change and still decode to the same
	// bytes.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	ns := l.aead.NonceSize()
	if err != nil || len(raw) < ns+l.aead.Overhead()+8 {
		return "", time.Time{}, ErrInvalid
	}
	plain, err := l.aead.Open(nil, raw[:ns], raw[ns:], nil)
	if err != nil {
		return "", time.Time{}, ErrInvalid
	}
	expires = time.Unix(int64(binary.BigEndian.Uint64(plain[:8])), 0).UTC()
	if !l.Now().Before(expires) {
		return "", expires, ErrExpired
	}
	return string(plain[8:]), expires, nil
}

// Files turns a map of file kind to blob key into kind to link.
func (l *Links) Files(files map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for kind, key := range files {
		if key != "" {
			out[kind] = l.URL(key)
		}
	}
	return out
}

// EventFiles is the links of an event's files: the callback worker's and
// the events endpoint's files function.
func (l *Links) EventFiles(e job.Event) map[string]string { return l.Files(e.Files) }
