package pdfobj

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

func sha256Of(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// hash2B is Algorithm 2.B (R 6): SHA-256, then at least 64 rounds of
// AES-128-CBC over 64 copies of password, hash and user data, each
// rehashed with SHA-256, -384 or -512 as the round's output decides.
func hash2B(pw, salt, udata []byte) []byte {
	k := sha256Of(pw, salt, udata)
	for i := 0; ; {
		k1 := bytes.Repeat(append(append(append([]byte{}, pw...), k...), udata...), 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, c := range e[:16] {
			sum += int(c)
		}
		switch sum % 3 {
		case 0:
			k = sha256Of(e)
		case 1:
			h := sha512.Sum384(e)
			k = h[:]
		default:
			h := sha512.Sum512(e)
			k = h[:]
		}
		i++
		if i >= 64 && int(e[len(e)-1]) <= i-32 {
			break
		}
	}
	return k[:32]
}

// decryptStrings decrypts every string in o, an object of number num.
// Literal strings are unescaped, decrypted and escaped again, the form
// pdfcpu's own reader gives them.
func (s *security) decryptStrings(o types.Object, num, gen, depth int) (types.Object, error) {
	if depth < 0 {
		return nil, fmt.Errorf("nesting too deep to decrypt")
	}
	switch v := o.(type) {
	case types.StringLiteral:
		b, err := types.Unescape(v.Value())
		if err != nil {
			return nil, err
		}
		if b, err = s.decrypt(s.str, num, gen, b); err != nil {
			return nil, err
		}
		e, err := types.Escape(string(b))
		if err != nil {
			return nil, err
		}
		return types.StringLiteral(*e), nil
	case types.HexLiteral:
		b, err := v.Bytes()
		if err != nil {
			return nil, err
		}
		if b, err = s.decrypt(s.str, num, gen, b); err != nil {
			return nil, err
		}
		return types.NewHexLiteral(b), nil
	case types.Dict:
		for k, e := range v {
			d, err := s.decryptStrings(e, num, gen, depth-1)
			if err != nil {
				return nil, err
			}
			v[k] = d
		}
	case types.Array:
		for i, e := range v {
			d, err := s.decryptStrings(e, num, gen, depth-1)
			if err != nil {
				return nil, err
			}
			v[i] = d
		}
	}
	return o, nil
}

// decryptReader returns a reader of a stream's encoded bytes decrypted
// with the key of the object it belongs to, or the crypt filter the
// stream names. length is the stream's encoded length, which AES needs to
// know where the padding is.
func (d *Doc) decryptReader(sd *types.StreamDict, r io.Reader, length int64) (io.Reader, error) {
	if d.sec == nil {
		return r, nil
	}
	owner, ok := d.streams[sd.StreamOffset]
	if !ok {
		return nil, fmt.Errorf("stream at %d was not read by this document", sd.StreamOffset)
	}
	if owner.clear || owner.num == d.sec.encryptObj {
		return r, nil
	}
	m := d.sec.stm
	if len(sd.FilterPipeline) > 0 && sd.FilterPipeline[0].Name == "Crypt" {
		m = methodNone // Identity, unless the filter names another
		if n := sd.FilterPipeline[0].DecodeParms.NameEntry("Name"); n != nil {
			m = d.sec.filters[*n]
		}
	}
	out, err := d.sec.decryptReader(m, owner.num, owner.gen, r, length)
	if err != nil {
		return nil, fmt.Errorf("decrypt stream of object %d: %w", owner.num, err)
	}
	return out, nil
}
