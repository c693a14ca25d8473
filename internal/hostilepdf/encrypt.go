package hostilepdf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"fmt"
	"strings"
)

// BrokenEncryption returns files whose encryption is broken or hostile:
// /Encrypt dictionaries that are missing, of unknown handlers, too short,
// nested, absurd; and files that open with the empty user password but
// whose encrypted streams are truncated, badly padded or bombs.
func BrokenEncryption() []Case {
	var cases []Case
	add := func(name string, pdf []byte) { cases = append(cases, Case{Name: name, PDF: pdf}) }
	id := "/ID [<000102030405060708090a0b0c0d0e0f> <000102030405060708090a0b0c0d0e0f>]"

	add("/Encrypt refers to a missing object", simple().classic("/Encrypt 99 0 R "+id))
	add("unknown security handler", simple().classic("/Encrypt << /Filter /Acme /V 2 /R 3 >> "+id))
	add("/O and /U too short", simple().classic("/Encrypt << /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >> "+id))
	add("revision 6 with garbage /U and /UE", simple().classic("/Encrypt << /Filter /Standard /V 5 /R 6 /O <"+strings.Repeat("41", 48)+
		"> /U <"+strings.Repeat("42", 48)+"> /OE <"+strings.Repeat("43", 32)+"> /UE <"+strings.Repeat("44", 32)+"> /P -4 >> "+id))
	add("/Encrypt nested 100 000 deep", simple().classic("/Encrypt << /Filter /Standard /V "+strings.Repeat("[", 100_000)+strings.Repeat("]", 100_000)+" >> "+id))

	f := simple()
	s := f.stream("/Filter /Standard /V 2 /R 2", []byte("a stream, not a dictionary"))
	add("/Encrypt is a stream", f.classic(fmt.Sprintf("/Encrypt %d 0 R %s", s, id)))

	add("key /Length "+huge+" bits", encrypted(rc4R2, func(e *encryptor, f *file) {
		e.dict = strings.Replace(e.dict, "/R 2", "/R 3 /Length "+huge, 1)
		f.page("", f.stream("", e.stream(f.next(), []byte("0 0 1 rg 10 10 80 80 re f"))))
	}))
	add("no /ID", bytes.Replace(encrypted(rc4R2, func(e *encryptor, f *file) {
		f.page("", f.stream("", e.stream(f.next(), []byte("0 0 1 rg 10 10 80 80 re f"))))
	}), []byte(" /ID ["), []byte(" /XX ["), 1))
	add("unknown crypt filter method", encrypted(aesV2, func(e *encryptor, f *file) {
		e.dict = strings.Replace(e.dict, "/CFM /AESV2", "/CFM /Rot13", 1)
		f.page("", f.stream("", e.stream(f.next(), []byte("0 0 1 rg 10 10 80 80 re f"))))
	}))
	add("AES stream cut inside a block", encrypted(aesV2, func(e *encryptor, f *file) {
		f.page("", f.stream("", e.stream(f.next(), []byte("0 0 1 rg 10 10 80 80 re f"))[:21]))
	}))
	add("AES stream of the IV alone", encrypted(aesV2, func(e *encryptor, f *file) {
		f.page("", f.stream("", e.stream(f.next(), nil)[:16]))
	}))
	add("AES stream with padding of 200", encrypted(aesV2, func(e *encryptor, f *file) {
		f.page("", f.stream("", e.raw(f.next(), bytes.Repeat([]byte{200}, 32))))
	}))
	add("RC4 decompression bomb of 4 GiB", encrypted(rc4R2, func(e *encryptor, f *file) {
		f.page("", f.stream("/Filter /FlateDecode", e.stream(f.next(), Zeros(4*GiB))))
	}))
	add("AES decompression bomb of 4 GiB", encrypted(aesV2, func(e *encryptor, f *file) {
		f.page("", f.stream("/Filter /FlateDecode", e.stream(f.next(), Zeros(4*GiB))))
	}))
	return cases
}

// next is the number the next object added will get.
func (f *file) next() int { return len(f.objs) + 1 }

// The standard security handler, for files that open with the empty user
// password: RC4 with a 40-bit key (revision 2), or AES-128 through a
// crypt filter (version 4, revision 4).
type method int

const (
	rc4R2 method = iota
	aesV2
)

// encryptor encrypts streams with the file key, and holds the
// /Encrypt dictionary a case may change before the file is written.
type encryptor struct {
	m    method
	key  []byte
	dict string
}

// o is the /O entry. Only the user password is used to open the files, so
// it can be anything 32 bytes long.
var o = bytes.Repeat([]byte{0x4f}, 32)

var id0 = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// padding pads passwords to 32 bytes (PDF 32000 Algorithm 2, step a).
var padding = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// encrypted builds a file encrypted with m and the empty user password;
// build adds its pages, encrypting streams with e.
func encrypted(m method, build func(e *encryptor, f *file)) []byte {
	var p int32 = -4 // every permission
	h := md5.New()
	h.Write(padding)
	h.Write(o)
	h.Write(binary.LittleEndian.AppendUint32(nil, uint32(p)))
	h.Write(id0)
	key := h.Sum(nil)
	e := &encryptor{m: m}
	switch m {
	case rc4R2:
		e.key = key[:5]
		e.dict = fmt.Sprintf("/Filter /Standard /V 1 /R 2 /O <%x> /U <%x> /P %d", o, rc4XOR(e.key, padding), p)
	case aesV2:
		for range 50 {
			s := md5.Sum(key[:16])
			key = s[:]
		}
		e.key = key[:16]
		e.dict = fmt.Sprintf("/Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> /StmF /StdCF /StrF /StdCF /O <%x> /U <%x> /P %d",
			o, e.userR4(), p)
	}
	f := &file{}
	build(e, f)
	return f.classic(fmt.Sprintf("/Encrypt << %s >> /ID [<%x> <%x>]", e.dict, id0, id0))
}

// userR4 is /U for revisions 3 and 4 (Algorithm 5): 16 bytes that prove
// the key, and 16 of anything.
func (e *encryptor) userR4() []byte {
	h := md5.New()
	h.Write(padding)
	h.Write(id0)
	u := rc4XOR(e.key, h.Sum(nil))
	k := make([]byte, len(e.key))
	for i := 1; i <= 19; i++ {
		for j := range k {
			k[j] = e.key[j] ^ byte(i)
		}
		u = rc4XOR(k, u)
	}
	return append(u, bytes.Repeat([]byte{0x55}, 16)...)
}

// objectKey is Algorithm 1: the key for one object's streams.
func (e *encryptor) objectKey(num int) []byte {
	h := md5.New()
	h.Write(e.key)
	h.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), 0, 0})
	if e.m == aesV2 {
		h.Write([]byte("sAlT"))
	}
	return h.Sum(nil)[:min(len(e.key)+5, 16)]
}

// stream encrypts the data of stream object num, padded as AES wants.
func (e *encryptor) stream(num int, data []byte) []byte {
	if e.m == rc4R2 {
		return rc4XOR(e.objectKey(num), data)
	}
	pad := 16 - len(data)%16
	return e.raw(num, append(bytes.Clone(data), bytes.Repeat([]byte{byte(pad)}, pad)...))
}

// raw encrypts blocks with AES-CBC as they are, after a fixed IV.
func (e *encryptor) raw(num int, blocks []byte) []byte {
	block, _ := aes.NewCipher(e.objectKey(num))
	iv := bytes.Repeat([]byte{0x11}, 16)
	out := make([]byte, len(blocks))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, blocks)
	return append(iv, out...)
}

func rc4XOR(key, data []byte) []byte {
	c, _ := rc4.NewCipher(key)
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}
