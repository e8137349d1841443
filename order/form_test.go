package order

import (
	"math/rand/v2"
	"net/url"
	"strconv"
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

// TestKeyFolding: one equivalence for the small list, the map of many keys
// and the documented names, lenient like the most lenient parsers.
func TestKeyFolding(t *testing.T) {
	same := [][2]string{{"currentUserId", "CURRENTUSERID"}, {"currentUserId", "currentUserıd"}, {"currentUserId", "currentUserİd"},
		{"kelvin", "\u212aelvin"}, {"straße", "STRAßE"}, {"orderId", "orderId"}}
	for _, p := range same {
		if !foldEqual(p[0], p[1]) || foldKey(p[0]) != foldKey(p[1]) {
			t.Errorf("%q and %q should fold together (foldEqual %v, keys %q %q)", p[0], p[1], foldEqual(p[0], p[1]), foldKey(p[0]), foldKey(p[1]))
		}
	}
	for _, p := range [][2]string{{"orderId", "orderIds"}, {"a", "b"}, {"", "x"}} {
		if foldEqual(p[0], p[1]) || foldKey(p[0]) == foldKey(p[1]) {
			t.Errorf("%q and %q should differ", p[0], p[1])
		}
	}
	// The same answer whether an object has few keys or many.
	for _, n := range []int{1, 40} {
		var set keySet
		for i := range n {
			set.add(string(rune('a'+i%26))+strconv.Itoa(i), -1)
		}
		if !set.add("Tıtle", -1) || set.add("TITLE", -1) || set.add("title", -1) {
			t.Errorf("%d keys before: folding differs between the list and the map", n)
		}
	}
	if documentedIndex("currentUserıd") != 1 {
		t.Error("a dotless-i spelling of a documented key is not recognized")
	}
}
