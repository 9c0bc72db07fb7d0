package alloc

import "math/big"

// bitmap is a set of offsets in [0, size). Offsets are handed out lowest
// first, which keeps the stored bitmap short.
type bitmap struct {
	size int
	bits *big.Int
}

func newBitmap(size int, data []byte) *bitmap {
	b := &bitmap{size: size, bits: new(big.Int).SetBytes(data)}
	return b
}

func (b *bitmap) has(i int) bool { return b.bits.Bit(i) == 1 }

func (b *bitmap) set(i int) { b.bits.SetBit(b.bits, i, 1) }

func (b *bitmap) clear(i int) { b.bits.SetBit(b.bits, i, 0) }

// next returns the lowest free offset, or -1 when all are taken.
func (b *bitmap) next() int {
	for i := 0; i < b.size; i++ {
		if b.bits.Bit(i) == 0 {
			return i
		}
	}
	return -1
}

// offsets lists the set offsets below size.
func (b *bitmap) offsets() []int {
	var out []int
	for i := 0; i < b.bits.BitLen() && i < b.size; i++ {
		if b.bits.Bit(i) == 1 {
			out = append(out, i)
		}
	}
	return out
}

func (b *bitmap) bytes() []byte { return b.bits.Bytes() }
