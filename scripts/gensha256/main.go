// Command gensha256 writes the SHA-256 compression function of extension/hash/sha.wat (between its
// "generated:" markers) with the 64 rounds unrolled: the message schedule W (FIPS 180-4 §6.2.2 step 1)
// lives in sixteen locals, W_t overwriting W_t-16, and the constants K_t (§4.2.2, read from the same
// file's $constants) are immediates, so a block is hashed without touching memory but for its words and H.
// Written out by hand that is 64 near-identical rounds; this keeps them one definition.
//
//	go run ./scripts/gensha256   (from the repository's root; gen_test.go checks sha.wat is up to date)
package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

const (
	file  = "extension/hash/sha.wat"
	begin = "  ;; generated: sha256_blocks (go run ./scripts/gensha256)\n"
	end   = "  ;; end generated: sha256_blocks\n"
)

func main() {
	src, err := os.ReadFile(file)
	if err == nil {
		var out string
		if out, err = generate(string(src)); err == nil {
			err = os.WriteFile(file, []byte(out), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

var kRE = regexp.MustCompile(`\(i32\.store offset=\d+ \(i32\.const 0\) \(i32\.const (0x[0-9a-f]{8})\)\)`)

// generate returns src with the text between the markers replaced by sha256Blocks.
func generate(src string) (string, error) {
	i, j := strings.Index(src, begin), strings.Index(src, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("%s: markers not found", file)
	}
	var k []string
	for _, m := range kRE.FindAllStringSubmatch(src, -1) {
		k = append(k, m[1])
	}
	if len(k) != 64 {
		return "", fmt.Errorf("%s: %d SHA-256 constants, want 64", file, len(k))
	}
	return src[:i+len(begin)] + sha256Blocks(k) + src[j:], nil
}

func rotr(x string, n int) string { return fmt.Sprintf("(i32.rotr %s (i32.const %d))", x, n) }
func get(v string) string         { return "(local.get $" + v + ")" }

// sha256Blocks is the function's text; k holds K_0..K_63 as written in $constants.
func sha256Blocks(k []string) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w(`  ;; sha256_blocks hashes n 64-byte blocks at p into H0..H7 at offset 0 (§6.2.2, steps 1–4).`)
	w(`  (func (export "sha256_blocks") (param $p i32) (param $n i32)`)
	w(`    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32) (local $h i32)`)
	w(`    (local $t1 i32) (local $x i32)`)
	var ws []string
	for t := range 16 {
		ws = append(ws, fmt.Sprintf("(local $w%d i32)", t))
	}
	w("    %s", strings.Join(ws, " "))
	w(`    (block $done`)
	w(`      (loop $block`)
	w(`        (br_if $done (i32.eqz (local.get $n)))`)
	w(`        ;; Step 1, t = 0..15: W_t = M_t, the block's big-endian words (wasm loads little-endian:`)
	w(`        ;; bytes are swapped by rotating by 8 both ways and keeping alternate bytes).`)
	for t := range 16 {
		w(`        (local.set $x (i32.load offset=%d (local.get $p)))`, 4*t)
		w(`        (local.set $w%d (i32.or (i32.and (i32.rotl (local.get $x) (i32.const 8)) (i32.const 0x00ff00ff)) (i32.and (i32.rotr (local.get $x) (i32.const 8)) (i32.const 0xff00ff00))))`, t)
	}
	w(`        ;; Step 2: the working variables a..h from H(i-1).`)
	for i, v := range "abcdefgh" {
		w(`        (local.set $%c (i32.load offset=%d (i32.const 0)))`, v, 4*i)
	}
	w(`        ;; Step 3, rounds t = 0..63, W_t for t ≥ 16 computed in the round that uses it, into W_t-16's local:`)
	w(`        ;;   W_t = σ1(W_t-2) + W_t-7 + σ0(W_t-15) + W_t-16`)
	w(`        ;;   T1 = h + Σ1(e) + Ch(e,f,g) + K_t + W_t     T2 = Σ0(a) + Maj(a,b,c)     d = d + T1     h = T1 + T2`)
	w(`        ;; with (§4.1.2) σ0(x) = ROTR7 ⊕ ROTR18 ⊕ SHR3, σ1(x) = ROTR17 ⊕ ROTR19 ⊕ SHR10,`)
	w(`        ;; Σ0(x) = ROTR2 ⊕ ROTR13 ⊕ ROTR22, Σ1(x) = ROTR6 ⊕ ROTR11 ⊕ ROTR25, Ch(x,y,z) = z ⊕ (x ∧ (y ⊕ z)),`)
	w(`        ;; Maj(x,y,z) = (x ∧ y) ∨ (z ∧ (x ∨ y)). Instead of shifting a..h down each round, the next round`)
	w(`        ;; names the variables one place further on: after eight rounds they line up again.`)
	n := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for t := range 64 {
		a, bb, c, d, e, f, g, h := n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]
		wt := fmt.Sprintf("w%d", t%16)
		if t >= 16 {
			x, y := get(fmt.Sprintf("w%d", (t-2)%16)), get(fmt.Sprintf("w%d", (t-15)%16))
			s1 := fmt.Sprintf("(i32.xor (i32.xor %s %s) (i32.shr_u %s (i32.const 10)))", rotr(x, 17), rotr(x, 19), x)
			s0 := fmt.Sprintf("(i32.xor (i32.xor %s %s) (i32.shr_u %s (i32.const 3)))", rotr(y, 7), rotr(y, 18), y)
			w(`        (local.set $%s (i32.add (i32.add %s %s) (i32.add %s %s)))`, wt, s1, get(fmt.Sprintf("w%d", (t-7)%16)), s0, get(wt))
		}
		E, A := get(e), get(a)
		S1 := fmt.Sprintf("(i32.xor (i32.xor %s %s) %s)", rotr(E, 6), rotr(E, 11), rotr(E, 25))
		ch := fmt.Sprintf("(i32.xor %s (i32.and %s (i32.xor %s %s)))", get(g), E, get(f), get(g))
		w(`        ;; round %d: a..h = %s`, t, strings.Join(n, " "))
		w(`        (local.set $t1 (i32.add (i32.add %s (i32.add %s %s)) (i32.add (i32.const %s) %s)))`, get(h), S1, ch, k[t], get(wt))
		w(`        (local.set $%s (i32.add %s (local.get $t1)))`, d, get(d))
		S0 := fmt.Sprintf("(i32.xor (i32.xor %s %s) %s)", rotr(A, 2), rotr(A, 13), rotr(A, 22))
		maj := fmt.Sprintf("(i32.or (i32.and %s %s) (i32.and %s (i32.or %s %s)))", A, get(bb), get(c), A, get(bb))
		w(`        (local.set $%s (i32.add (local.get $t1) (i32.add %s %s)))`, h, S0, maj)
		n = []string{h, a, bb, c, d, e, f, g}
	}
	w(`        ;; Step 4: H(i) = H(i-1) + a..h.`)
	for i, v := range "abcdefgh" {
		w(`        (i32.store offset=%d (i32.const 0) (i32.add (i32.load offset=%d (i32.const 0)) (local.get $%c)))`, 4*i, 4*i, v)
	}
	w(`        (local.set $p (i32.add (local.get $p) (i32.const 64)))`)
	w(`        (local.set $n (i32.sub (local.get $n) (i32.const 1)))`)
	w(`        (br $block))))`)
	return b.String()
}
