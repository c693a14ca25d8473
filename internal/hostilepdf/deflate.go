package hostilepdf

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/adler32"
)

// chunk is about how much of the repeated data one copied piece of
// deflate output stands for: larger than deflate's 32 KiB window, small
// enough to compress in milliseconds.
const chunk = 1 << 20

// Zlib returns a zlib stream (what /FlateDecode reads) of prefix, unit
// repeated count times, and suffix, without compressing all of it:
// gigabytes of zeros take milliseconds and about a thousandth of their
// size.
//
// Deflate output that follows a sync flush is byte-aligned and refers
// only to the last 32 KiB before it. So one compressed chunk of whole
// units, taken after the window already holds those units, decodes to the
// same chunk wherever it is placed after them, and is copied as often as
// needed. The Adler-32 checksum is combined arithmetically.
func Zlib(prefix, unit []byte, count int64, suffix []byte) []byte {
	per := max(1, chunk/len(unit)) // units in one chunk
	piece := bytes.Repeat(unit, per)
	if count < 2*int64(per) {
		return zlibAll(bytes.Join([][]byte{prefix, bytes.Repeat(unit, int(count)), suffix}, nil))
	}
	copies, rest := (count-int64(per))/int64(per), (count-int64(per))%int64(per)
	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda}) // zlib header: deflate, 32 KiB window, best compression
	fw, _ := flate.NewWriter(&out, flate.BestCompression)
	fw.Write(prefix)
	fw.Write(piece)
	fw.Flush()
	start := out.Len()
	fw.Write(piece)
	fw.Flush()
	repeated := bytes.Clone(out.Bytes()[start:])
	out.Truncate(start)
	out.Grow(int(copies) * len(repeated))
	for range copies {
		out.Write(repeated)
	}
	tail := append(bytes.Repeat(unit, int(rest)), suffix...)
	fw.Write(tail)
	fw.Close()
	sum := adlerCombine(adler32.Checksum(prefix), adlerRepeat(piece, copies+1), (copies+1)*int64(len(piece)))
	sum = adlerCombine(sum, adler32.Checksum(tail), int64(len(tail)))
	return binary.BigEndian.AppendUint32(out.Bytes(), sum)
}

// Zeros is a zlib stream of n zero bytes.
func Zeros(n int64) []byte { return Zlib(nil, []byte{0}, n, nil) }

// zlibAll compresses data the ordinary way.
func zlibAll(data []byte) []byte {
	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda})
	fw, _ := flate.NewWriter(&out, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	return binary.BigEndian.AppendUint32(out.Bytes(), adler32.Checksum(data))
}

const adlerMod = 65521

// adlerCombine is the Adler-32 of x followed by y, from their checksums
// and y's length (zlib's adler32_combine).
func adlerCombine(ax, ay uint32, lenY int64) uint32 {
	n := uint64(lenY % adlerMod)
	a1, b1 := uint64(ax&0xffff), uint64(ax>>16)
	a2, b2 := uint64(ay&0xffff), uint64(ay>>16)
	a := (a1 + a2 + adlerMod - 1) % adlerMod
	b := (b1 + b2 + n*((a1+adlerMod-1)%adlerMod)) % adlerMod
	return uint32(b<<16 | a)
}

// adlerRepeat is the Adler-32 of piece repeated times times, by doubling.
func adlerRepeat(piece []byte, times int64) uint32 {
	sum := uint32(1) // the checksum of nothing
	p, pLen := adler32.Checksum(piece), int64(len(piece))
	for ; times > 0; times >>= 1 {
		if times&1 == 1 {
			sum = adlerCombine(sum, p, pLen)
		}
		p, pLen = adlerCombine(p, p, pLen), 2*pLen
	}
	return sum
}
