package order

import (
	"math/rand/v2"
	"net/url"
	"testing"
)

// TestUnescapeMatchesQueryUnescape compares the word-at-a-time decoder with
// net/url on random inputs rich in escapes, pluses and their neighbours.
func TestUnescapeMatchesQueryUnescape(t *testing.T) {
	alphabet := []byte("%%%++aAfF09gG*,./+%2B%25%ZZ\x00\xff ")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		src := make([]byte, rng.IntN(40))
		for i := range src {
			src[i] = alphabet[rng.IntN(len(alphabet))]
		}
		want, werr := url.QueryUnescape(string(src))
		out := make([]byte, len(src))
		n, ok := unescapeInto(out, src)
		if ok != (werr == nil) {
			t.Fatalf("%q: ok=%v, url says %v", src, ok, werr)
		}
		if ok && string(out[:n]) != want {
			t.Fatalf("%q: got %q; want %q", src, out[:n], want)
		}
		// An exactly sized buffer works too.
		if ok {
			exact := make([]byte, len(want))
			if m, ok2 := unescapeInto(exact, src); !ok2 || string(exact[:m]) != want {
				t.Fatalf("%q with an exact buffer: got %q", src, exact[:m])
			}
		}
	}
}

func TestByteMasks(t *testing.T) {
	for c := 0; c < 256; c++ {
		if got := controlBytes(0x4141414141414141&^(0xff<<16) | uint64(c)<<16); (got != 0) != (c < 0x20) {
			t.Errorf("controlBytes(%#x) = %#x", c, got)
		}
		if got := equalBytes(0x4141414141414141&^(0xff<<40)|uint64(c)<<40, '"'); (got != 0) != (c == '"') {
			t.Errorf("equalBytes(%#x, '\"') = %#x", c, got)
		}
	}
	if firstMarked(equalBytes(load64s("ab%cd%ef", 0), '%')) != 2 {
		t.Error("firstMarked")
	}
}

// TestDocumentedIndexes keeps the index switches in step with documentedKeys.
func TestDocumentedIndexes(t *testing.T) {
	var d OrderData
	for i, k := range documentedKeys {
		if exactDocumentedIndex(k) != i || documentedIndex(k) != i {
			t.Errorf("%s: index %d, want %d", k, exactDocumentedIndex(k), i)
		}
		if (i == 0) != (d.fieldAt(i) == nil) {
			t.Errorf("fieldAt(%d)", i)
		}
	}
	p := map[*string]bool{}
	for i := 1; i < len(documentedKeys); i++ {
		p[d.fieldAt(i)] = true
	}
	if len(p) != len(documentedKeys)-1 {
		t.Error("two indexes share a field")
	}
}
