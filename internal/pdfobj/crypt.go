package pdfobj

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// The standard security handler (PDF 32000-2 7.6.4), opened with the empty
// user password: files that can be opened without asking anyone for a
// password are read; the others are ErrWrongPassword. pdfcpu has this
// code but does not export it, so it is written here from the standard.

type method uint8

const (
	methodNone method = iota // Identity: not encrypted
	methodRC4
	methodAESV2 // AES-128, per-object keys
	methodAESV3 // AES-256, the file key
)

// security is what decryption needs: the file key and the methods for
// strings and streams, and the crypt filters a stream may name.
type security struct {
	r, v            int
	p               int32
	key             []byte
	str, stm        method
	filters         map[string]method
	encryptMetadata bool
	encryptObj      int // the Encrypt dictionary's object number; it is not encrypted
}

// setupSecurity reads /Encrypt and authenticates with the empty user
// password.
func (d *Doc) setupSecurity() error {
	enc, ok := d.trailer["Encrypt"]
	if !ok || enc == nil {
		return nil
	}
	s := &security{encryptMetadata: true}
	if ir, ok := enc.(types.IndirectRef); ok {
		s.encryptObj = ir.ObjectNumber.Value()
	}
	dict, err := d.DereferenceDict(enc)
	if err != nil || dict == nil {
		return fmt.Errorf("encryption dictionary: %v", orMissing(err))
	}
	if f := dict.NameEntry("Filter"); f == nil || *f != "Standard" {
		return fmt.Errorf("encryption: security handler %v is not the standard one: %w", dict["Filter"], ErrWrongPassword)
	}
	if err := s.read(d, dict); err != nil {
		return err
	}
	d.sec = s
	d.forget() // objects read so far were read without the key
	return nil
}

func orMissing(err error) error {
	if err == nil {
		return errors.New("missing")
	}
	return err
}

func (s *security) read(d *Doc, dict types.Dict) error {
	num := func(k string, def int) int {
		if v, err := d.DereferenceNumber(dict[k]); err == nil {
			return int(v)
		}
		return def
	}
	s.v, s.r = num("V", 0), num("R", 0)
	s.p = int32(uint32(int64(num("P", 0))))
	// /EncryptMetadata is a key of crypt filters (V 4 and 5) only; older
	// handlers encrypt the metadata whatever it says, as qpdf reads them.
	if b, err := d.DereferenceBoolean(dict["EncryptMetadata"]); err == nil && b != nil && s.v >= 4 {
		s.encryptMetadata = bool(*b)
	}
	o, u := d.stringBytes(dict["O"]), d.stringBytes(dict["U"])
	var id0 []byte
	if ids, err := d.DereferenceArray(d.trailer["ID"]); err == nil && len(ids) > 0 {
		id0 = d.stringBytes(ids[0])
	}
	switch s.v {
	case 1, 2:
		s.str, s.stm = methodRC4, methodRC4
	case 4, 5:
		s.readCryptFilters(d, dict)
	default:
		return fmt.Errorf("encryption: algorithm version V %d is not supported: %w", s.v, ErrWrongPassword)
	}
	switch s.r {
	case 2, 3, 4:
		n := 5
		if s.r >= 3 {
			n = num("Length", 40) / 8
		}
		if s.v == 4 || n < 5 || n > 16 {
			n = 16
		}
		if len(o) < 32 || len(u) < 16 {
			return fmt.Errorf("encryption: /O or /U too short: %w", ErrWrongPassword)
		}
		s.key = s.keyR4(nil, o[:32], id0, n)
		if !s.userOK(u, id0) && s.r >= 3 && n != 16 {
			// A /Length missing or wrong (writers have spelt it /Wength)
			// in a file whose key is 128-bit: try that, as qpdf does,
			// rather than ask the customer for a password the file
			// does not have.
			s.key = s.keyR4(nil, o[:32], id0, 16)
		}
		if !s.userOK(u, id0) {
			return ErrWrongPassword
		}
	case 5, 6:
		ue := d.stringBytes(dict["UE"])
		if len(u) < 48 || len(ue) < 32 {
			return fmt.Errorf("encryption: /U or /UE too short: %w", ErrWrongPassword)
		}
		key, ok := s.keyR6(nil, u, ue)
		if !ok {
			return ErrWrongPassword
		}
		s.key = key
	default:
		return fmt.Errorf("encryption: revision R %d is not supported: %w", s.r, ErrWrongPassword)
	}
	return nil
}

// readCryptFilters reads /CF, /StmF and /StrF (V 4 and 5).
func (s *security) readCryptFilters(d *Doc, dict types.Dict) {
	s.filters = map[string]method{"Identity": methodNone}
	cf, _ := d.DereferenceDict(dict["CF"])
	for name, o := range cf {
		f, _ := d.DereferenceDict(o)
		cfm := f.NameEntry("CFM")
		switch {
		case cfm == nil || *cfm == "None":
			s.filters[name] = methodNone
		case *cfm == "V2":
			s.filters[name] = methodRC4
		case *cfm == "AESV2":
			s.filters[name] = methodAESV2
		case *cfm == "AESV3":
			s.filters[name] = methodAESV3
		}
	}
	pick := func(k string) method {
		if n := dict.NameEntry(k); n != nil {
			return s.filters[*n]
		}
		return methodNone
	}
	s.str, s.stm = pick("StrF"), pick("StmF")
}

// stringBytes returns the bytes of a string, literal or hex.
func (d *Doc) stringBytes(o types.Object) []byte {
	o, _ = d.Dereference(o)
	switch v := o.(type) {
	case types.StringLiteral:
		b, err := types.Unescape(v.Value())
		if err == nil {
			return b
		}
	case types.HexLiteral:
		b, err := v.Bytes()
		if err == nil {
			return b
		}
	}
	return nil
}

// padding pads passwords to 32 bytes (Algorithm 2, step a).
var padding = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// keyR4 is Algorithm 2: the file key from a user password (R 2 to 4).
func (s *security) keyR4(pw, o, id0 []byte, n int) []byte {
	h := md5.New()
	h.Write(append(append([]byte{}, pw...), padding...)[:32])
	h.Write(o)
	p := uint32(s.p)
	h.Write([]byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)})
	h.Write(id0)
	if s.r >= 4 && !s.encryptMetadata {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	sum := h.Sum(nil)
	if s.r >= 3 {
		for range 50 {
			next := md5.Sum(sum[:n])
			sum = next[:]
		}
	}
	return sum[:n]
}

// userOK is Algorithms 4 and 5: does the key open /U?
func (s *security) userOK(u, id0 []byte) bool {
	if s.r == 2 {
		got := rc4XOR(s.key, padding)
		return len(u) >= 32 && string(got) == string(u[:32])
	}
	h := md5.New()
	h.Write(padding)
	h.Write(id0)
	got := rc4XOR(s.key, h.Sum(nil))
	k := make([]byte, len(s.key))
	for i := 1; i <= 19; i++ {
		for j := range k {
			k[j] = s.key[j] ^ byte(i)
		}
		got = rc4XOR(k, got)
	}
	return string(got[:16]) == string(u[:16])
}

func rc4XOR(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

// keyR6 is Algorithm 2.A for the user password: check /U with the
// validation salt, then decrypt /UE with the key salt's hash.
func (s *security) keyR6(pw, u, ue []byte) ([]byte, bool) {
	if string(s.hash(pw, u[32:40], nil)) != string(u[:32]) {
		return nil, false
	}
	k := s.hash(pw, u[40:48], nil)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, false
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
	return key, true
}

// hash is SHA-256 for R 5 and Algorithm 2.B for R 6.
func (s *security) hash(pw, salt, udata []byte) []byte {
	if s.r == 5 {
		return sha256Of(pw, salt, udata)
	}
	return hash2B(pw, salt, udata)
}

// objectKey is Algorithm 1: the key for one object's strings and streams.
func (s *security) objectKey(m method, num, gen int) []byte {
	if m == methodAESV3 {
		return s.key
	}
	h := md5.New()
	h.Write(s.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
	if m == methodAESV2 {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(s.key)+5, 16)]
}

// decrypt decrypts data of object num with method m.
func (s *security) decrypt(m method, num, gen int, data []byte) ([]byte, error) {
	switch m {
	case methodNone:
		return data, nil
	case methodRC4:
		return rc4XOR(s.objectKey(m, num, gen), data), nil
	}
	return aesCBC(s.objectKey(m, num, gen), data)
}

// decryptReader returns a reader of the stream data r, of the given
// length, of object num decrypted with method m.
func (s *security) decryptReader(m method, num, gen int, r io.Reader, length int64) (io.Reader, error) {
	switch m {
	case methodNone:
		return r, nil
	case methodRC4:
		c, err := rc4.NewCipher(s.objectKey(m, num, gen))
		if err != nil {
			return nil, err
		}
		return cipher.StreamReader{S: c, R: r}, nil
	}
	return newCBCReader(s.objectKey(m, num, gen), r, length)
}

// cbcReader decrypts AES-CBC data as it is read, like aesCBC: the IV
// first, a truncated last block left out, the PKCS#5 padding removed
// from the last whole block.
type cbcReader struct {
	r    io.Reader
	mode cipher.BlockMode
	left int64  // bytes of whole blocks not yet read
	buf  []byte // decrypted, not yet returned
	out  []byte
}

func newCBCReader(key []byte, r io.Reader, length int64) (io.Reader, error) {
	if length <= 16 {
		return bytes.NewReader(nil), nil // nothing, or the IV of empty data
	}
	if length < 32 {
		return nil, fmt.Errorf("AES data of %d bytes is shorter than IV and one block", length)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	iv := make([]byte, 16)
	if _, err := io.ReadFull(r, iv); err != nil {
		return nil, fmt.Errorf("read the AES IV: %w", err)
	}
	return &cbcReader{r: r, mode: cipher.NewCBCDecrypter(block, iv), left: (length - 16) / 16 * 16, buf: make([]byte, 8<<10)}, nil
}

func (c *cbcReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.left == 0 {
			return 0, io.EOF
		}
		n := int(min(int64(len(c.buf)), c.left))
		if _, err := io.ReadFull(c.r, c.buf[:n]); err != nil {
			return 0, fmt.Errorf("read AES data: %w", err)
		}
		c.mode.CryptBlocks(c.buf[:n], c.buf[:n])
		c.left -= int64(n)
		c.out = c.buf[:n]
		if c.left == 0 { // the last block holds the padding; n is at least 16
			if pad := int(c.out[n-1]); pad >= 1 && pad <= 16 {
				c.out = c.out[:n-pad]
			}
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// aesCBC decrypts AES-CBC data whose first block is the IV, removing the
// PKCS#5 padding.
func aesCBC(key, data []byte) ([]byte, error) {
	if len(data) <= 16 {
		return []byte{}, nil // nothing, or the IV of an empty string: qpdf reads ()
	}
	if len(data) < 32 || len(data)%16 != 0 {
		if len(data) < 32 {
			return nil, fmt.Errorf("AES data of %d bytes is shorter than IV and one block", len(data))
		}
		data = data[:len(data)/16*16] // a truncated last block: keep the whole ones
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if p := int(out[len(out)-1]); p >= 1 && p <= 16 && p <= len(out) {
		out = out[:len(out)-p]
	}
	return out, nil
}
