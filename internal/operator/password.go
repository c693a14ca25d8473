package operator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules. Eight characters is NIST SP 800-63B's floor; the upper
// bound keeps a sign-in from hashing megabytes.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 1024
)

// argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, one
// lane), which costs tens of milliseconds per sign-in and little memory on
// a small server.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var b64 = base64.RawStdEncoding

// CheckPassword says why a new password is refused (an ErrRefused), or
// nil.
func CheckPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return refusef("a password needs at least %d characters", MinPasswordLength)
	case len(pw) > MaxPasswordLength:
		return refusef("a password may have at most %d bytes", MaxPasswordLength)
	case strings.TrimSpace(pw) != pw:
		return refusef("a password must not start or end with spaces (they are easily lost when typed)")
	}
	return nil
}

// HashPassword returns the argon2id hash of pw in the PHC string form
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), which carries its parameters so
// that they can be raised later without breaking old hashes.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches an encoded hash made by
// HashPassword, comparing in constant time. A malformed hash never matches.
func VerifyPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || t == 0 || p == 0 || m > 1<<21 {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
