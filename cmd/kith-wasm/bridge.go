//go:build js && wasm

package main

import (
	"encoding/hex"
	"errors"
	"io"
	"sync"
	"syscall/js"
)

// obj is a result for JavaScript (js.ValueOf turns it into an object).
type obj = map[string]any

// fail is the result of a call that failed: {error: "…"}.
func fail(err error) any { return obj{"error": err.Error()} }

// promise runs fn in a goroutine (it may block: await, streams) and
// returns a Promise of its result; an error rejects it with an Error.
func promise(fn func() (any, error)) js.Value {
	exec := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := fn()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	p := js.Global().Get("Promise").New(exec)
	exec.Release()
	return p
}

// await waits for a Promise; call it from a goroutine only, never from a
// JavaScript callback (it would block the page's only thread).
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	arg := func(args []js.Value) js.Value {
		if len(args) == 0 {
			return js.Undefined()
		}
		return args[0]
	}
	then := js.FuncOf(func(_ js.Value, args []js.Value) any { ch <- result{v: arg(args)}; return nil })
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "rejected"
		if a := arg(args); a.Truthy() {
			msg = a.Call("toString").String()
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	js.Global().Get("Promise").Call("resolve", p).Call("then", then, catch)
	r := <-ch
	then.Release()
	catch.Release()
	return r.v, r.err
}

// toJS copies b into a new Uint8Array.
func toJS(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

// fromJS copies a Uint8Array, an ArrayBuffer or a hex string.
func fromJS(v js.Value) ([]byte, error) {
	switch {
	case v.Type() == js.TypeString:
		return hex.DecodeString(v.String())
	case v.InstanceOf(js.Global().Get("Uint8Array")):
	case v.InstanceOf(js.Global().Get("ArrayBuffer")):
		v = js.Global().Get("Uint8Array").New(v)
	default:
		return nil, errors.New("expected bytes (a Uint8Array, an ArrayBuffer or a hex string)")
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b, nil
}

// jsStream is an io.ReadWriteCloser over a page's stream object:
// {read(): Promise<Uint8Array|null>, write(Uint8Array): Promise, close()}.
// A null read is the end of the stream.
type jsStream struct {
	s   js.Value
	buf []byte

	once   sync.Once
	closed chan struct{}
}

func newJSStream(s js.Value) *jsStream { return &jsStream{s: s, closed: make(chan struct{})} }

func (s *jsStream) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		select {
		case <-s.closed:
			return 0, io.ErrClosedPipe
		default:
		}
		v, err := await(s.s.Call("read"))
		if err != nil {
			return 0, err
		}
		if v.IsNull() || v.IsUndefined() {
			return 0, io.EOF
		}
		if s.buf, err = fromJS(v); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

func (s *jsStream) Write(p []byte) (int, error) {
	select {
	case <-s.closed:
		return 0, io.ErrClosedPipe
	default:
	}
	if _, err := await(s.s.Call("write", toJS(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (s *jsStream) Close() error {
	s.once.Do(func() {
		close(s.closed)
		s.s.Call("close")
	})
	return nil
}
