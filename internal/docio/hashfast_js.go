//go:build js && wasm

package docio

import (
	"encoding"
	"encoding/binary"
	"fmt"
	"hash"
	"syscall/js"
)

// hashState is the layout of the state that crypto/sha256 and crypto/sha512 hashes marshal
// (encoding.BinaryMarshaler): a 4-byte magic naming the algorithm, the intermediate hash value H as
// big-endian words (FIPS 180-4 §6.2, §6.4), the pending partial block padded with zeros to a whole
// block, and the message length in bytes as a big-endian uint64.
type hashState struct {
	alg   int // the JavaScript hasher's family: 256 (SHA-224/256) or 512 (SHA-384/512, SHA-512/t)
	hsize int // bytes of H
	block int // bytes of a message block
}

// hashStates maps each magic to its layout: "sha\x02"/"sha\x03" are SHA-224/SHA-256, "sha\x04" to
// "sha\x07" SHA-384, SHA-512/224, SHA-512/256 and SHA-512 (Go's crypto/internal/fips140/sha256, sha512).
var hashStates = map[string]hashState{
	"sha\x02": {256, 32, 64}, "sha\x03": {256, 32, 64},
	"sha\x04": {512, 64, 128}, "sha\x05": {512, 64, 128}, "sha\x06": {512, 64, 128}, "sha\x07": {512, 64, 128},
}

// hashFast hashes ranges of a Blob with the extension's SHA-256/512 in JavaScript and WebAssembly
// (extension/hash/sha.mjs, installed as globalThis.ponteHash once globalThis.ponteHashReady, started by
// the page's boot.js, resolves): the hash's state is handed over, the Blob's slices go from the browser
// straight into that hasher, and the new state comes back into h. It reports false, having done
// nothing, when the hasher is not there, the source is not a Blob, or h is not a SHA-2 hash whose state
// it knows: the caller then hashes in Go.
func hashFast(h hash.Hash, src Source, ranges []Range) (bool, error) {
	if s, ok := src.(*Section); ok {
		for _, r := range ranges {
			if r.Off < 0 || r.Len < 0 || r.End() > s.n {
				return false, nil // the caller reports it
			}
		}
		src = s.src
	}
	b, ok := src.(*Blob)
	if ready := js.Global().Get("ponteHashReady"); ok && ready.Type() == js.TypeObject && !js.Global().Get("ponteHash").Truthy() {
		await(ready) // the page is still loading the hasher (boot.js); a failure leaves ponteHash unset
	}
	api := js.Global().Get("ponteHash")
	m, okm := h.(encoding.BinaryMarshaler)
	u, oku := h.(encoding.BinaryUnmarshaler)
	if !ok || api.Type() != js.TypeObject || !okm || !oku {
		return false, nil
	}
	state, err := m.MarshalBinary()
	if err != nil || len(state) < 4 {
		return false, nil
	}
	st, ok := hashStates[string(state[:4])]
	if !ok || len(state) != 4+st.hsize+st.block+8 {
		return false, nil
	}
	list := js.Global().Get("Array").New()
	var total uint64
	for _, r := range ranges {
		if r.Off < 0 || r.Len < 0 || r.End() > b.size {
			return true, fmt.Errorf("docio: range %d+%d outside document of %d bytes", r.Off, r.Len, b.size)
		}
		list.Call("push", float64(r.Off), float64(r.Len))
		total += uint64(r.Len)
	}
	hv := state[4 : 4+st.hsize]
	length := binary.BigEndian.Uint64(state[4+st.hsize+st.block:])
	pending := state[4+st.hsize : 4+st.hsize+int(length%uint64(st.block))]
	res, err := await(api.Call("hashRanges", st.alg, bytesToJS(hv), float64(length), bytesToJS(pending), b.v, list))
	if err != nil {
		return true, fmt.Errorf("docio: reading the file failed: %w", err)
	}
	if got := uint64(res.Get("length").Float()); got != length+total {
		return true, fmt.Errorf("docio: the browser's hasher hashed %d bytes of %d", got-length, total)
	}
	length += total
	out := append([]byte(nil), state[:4]...)
	out = append(out, bytesFromJS(res.Get("h"))...)
	block := make([]byte, st.block)
	copy(block, bytesFromJS(res.Get("pending")))
	out = append(out, block...)
	out = binary.BigEndian.AppendUint64(out, length)
	if len(out) != len(state) || res.Get("pending").Length() != int(length%uint64(st.block)) {
		return true, fmt.Errorf("docio: the browser's hasher returned a state of %d bytes", len(out))
	}
	return true, u.UnmarshalBinary(out)
}

func bytesToJS(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

func bytesFromJS(v js.Value) []byte {
	b := make([]byte, v.Length())
	js.CopyBytesToGo(b, v)
	return b
}

// await waits for a JavaScript promise. Like Blob.ReadAt, it must run on a goroutine, never inside a
// js.Func callback.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: fmt.Errorf("%s", args[0].Call("toString").String())}
		return nil
	})
	defer then.Release()
	defer catch.Release()
	p.Call("then", then).Call("catch", catch)
	r := <-done
	return r.v, r.err
}

// Prehash starts the SHA-256 of a whole File or Blob in the browser's hasher as soon as the user chooses
// it, without waiting: signing then finds the hash of the document (PAdES's first range, a .p7m's
// content) under way or done (extension/hash/sha.mjs, prehash). It does nothing where the hasher is
// not loaded; choosing another file cancels the previous one's.
func Prehash(v js.Value) {
	if v.Type() != js.TypeObject {
		return
	}
	start := func() {
		if api := js.Global().Get("ponteHash"); api.Truthy() && api.Get("prehash").Type() == js.TypeFunction {
			api.Call("prehash", v)
		}
	}
	if ready := js.Global().Get("ponteHashReady"); ready.Type() == js.TypeObject && !js.Global().Get("ponteHash").Truthy() {
		var then js.Func
		then = js.FuncOf(func(js.Value, []js.Value) any {
			then.Release()
			start()
			return nil
		})
		ready.Call("then", then)
		return
	}
	start()
}
