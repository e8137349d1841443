package order

import (
	"sync"
	"testing"
	"unicode"
)

// foldClasses is the key equivalence computed independently of foldRune:
// the connected components of the graph whose edges join each rune to its
// upper case, its lower case and its simple case fold. Only runes with an
// edge are stored; every other rune is alone in its class.
var foldClasses = sync.OnceValue(func() map[rune]rune {
	parent := map[rune]rune{}
	var find func(r rune) rune
	find = func(r rune) rune {
		p, ok := parent[r]
		if !ok || p == r {
			return r
		}
		root := find(p)
		parent[r] = root
		return root
	}
	union := func(a, b rune) {
		ra, rb := find(a), find(b)
		switch {
		case ra == rb:
		case ra < rb:
			parent[rb] = ra // the root is the least rune of the class
		default:
			parent[ra] = rb
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		for _, s := range [...]rune{unicode.ToUpper(r), unicode.ToLower(r), unicode.SimpleFold(r)} {
			if s != r {
				union(r, s)
			}
		}
	}
	classes := make(map[rune]rune, len(parent))
	for r := range parent {
		classes[r] = find(r)
	}
	return classes
})

// foldClass returns the least rune of r's class in foldClasses.
func foldClass(r rune) rune {
	if c, ok := foldClasses()[r]; ok {
		return c
	}
	return r
}

// KeyClass returns the class of a key under the independent equivalence:
// keys in the same class are duplicates. It is exported to the fuzz tests.
func KeyClass(key string) string {
	b := make([]rune, 0, len(key))
	for _, r := range key {
		b = append(b, foldClass(r))
	}
	return string(b)
}

// TestFoldRuneIsTheClosure checks, for every rune with a case mapping, that
// foldRune's one step (the orbits of the rune, its upper and its lower case)
// reaches the whole class: two runes have the same representative exactly
// when they are connected through case mappings. Otherwise the list and the
// map of keySet could disagree, and a parser could pair keys that hmacgate
// finds distinct.
func TestFoldRuneIsTheClosure(t *testing.T) {
	repOfClass := map[rune]rune{}
	classOfRep := map[rune]rune{}
	for r, c := range foldClasses() {
		f := foldRune(r)
		if prev, ok := repOfClass[c]; ok && prev != f {
			t.Errorf("%U %q: foldRune %U, but %U in its class has %U", r, r, f, c, prev)
		}
		repOfClass[c] = f
		if prev, ok := classOfRep[f]; ok && prev != c {
			t.Errorf("representative %U is shared by the classes of %U and %U", f, prev, c)
		}
		classOfRep[f] = c
	}
	if len(repOfClass) < 1000 {
		t.Fatalf("only %d classes with case mappings; the table is wrong", len(repOfClass))
	}
}
