package protocol

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/ponte-it/ponte/internal/words"
)

// codesIntro says where the error words come from and introduces the codes the host does not send.
const codesIntro = `
The words are the extension's catalogue (` + "`extension/_locales`" + `, key ` + "`err`" + ` + the code in camel case);
the code registry is ` + "`internal/words`" + `. Pages and the renewal journal keep codes, never words.

## Codes of the UI's own failures

The WASM and the ` + "`ponte`" + ` command line word these from the same registry and catalogue; the renewal
journal stores them (code and parameters), so a record shows the current words.
`

// Markdown renders docs/protocol.md from the tables and the catalogues it and en, so the document cannot
// drift from the code (TestProtocolDocIsCurrent; regenerate with `make docs`).
func Markdown(it, en *words.Catalog) string {
	var b strings.Builder
	b.WriteString(`# Ponte protocol (version ` + fmt.Sprint(Version) + `)

Generated from internal/protocol by ` + "`make docs`" + `; do not edit by hand.

The UI (the WASM module in the extension or in the local web app, and the ` + "`ponte`" + ` command line) talks
to ponte-host with JSON messages over one of two transports:

- **native messaging**: the browser starts ponte-host; each message is a 4-byte length in native byte order
  followed by UTF-8 JSON. The host refuses requests over ` + fmt.Sprint(MaxInbound) + ` bytes (it answers
  TOO_LARGE once and exits, since the stream cannot be resynchronised) and never sends more than
  ` + fmt.Sprint(MaxOutbound) + ` bytes. It checks the caller Chrome passes (chrome-extension://ID/) or Firefox
  passes (the add-on id) against its allowed list.
- **WebSocket**: ` + "`ponte-host serve`" + ` listens on 127.0.0.1 only, serves the UI, and accepts
  ws://127.0.0.1:PORT/ws?secret=S only with its own Host, its own page as Origin and this launch's secret.

## Messages

Request (client to host): ` + "`{\"id\": \"1\", \"command\": \"version\", \"params\": {...}}`" + ` — id of 1 to 64 characters,
unknown fields refused. Response: ` + "`{\"id\": \"1\", \"result\": {...}}`" + ` or ` + "`{\"id\": \"1\", \"error\": {\"code\": \"NO_CARD\", \"message\": \"...\", \"retriable\": true}}`" + `.
Event (host to client, unsolicited): ` + "`{\"event\": \"card-inserted\", \"data\": {...}}`" + `.
The first request must be ` + "`hello`" + `; events flow only after it. The UI chooses the words it shows from the
error code (the table below), never from ` + "`message`" + `, which is a technical detail for logs.

## Commands

| command | what it does | params | result |
|---|---|---|---|
`)
	for _, c := range commandTable {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Name, c.Doc, shape(c.Params), shape(c.Result))
	}
	b.WriteString("\n## Events\n\n| event | when | data |\n|---|---|---|\n")
	for _, e := range eventTable {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", e.Name, e.Doc, shape(e.Data))
	}
	b.WriteString("\n## Error codes\n\n" + words.Table(words.Host, it, en))
	b.WriteString(codesIntro + "\n### CMP client\n\n" + words.Table(words.CMP, it, en) +
		"\n### The words of a CA's refusal\n\n" + words.Table(words.CAAnswer, it, en) +
		"\n### Renewal\n\n" + words.Table(words.Renewal, it, en))
	return b.String()
}

// shape writes a value's JSON form as `{field: type, ...}`.
func shape(v any) string {
	if v == nil {
		return "—"
	}
	return "`" + typeShape(reflect.TypeOf(v), 0) + "`"
}

func typeShape(t reflect.Type, depth int) string {
	if depth > 4 {
		return "…"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeShape(t.Elem(), depth)
	case reflect.Struct:
		if t.NumField() == 0 {
			return "{}"
		}
		var parts []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opts, "omitempty") {
				name += "?"
			}
			parts = append(parts, name+": "+typeShape(f.Type, depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64"
		}
		return "[" + typeShape(t.Elem(), depth+1) + "]"
	case reflect.Map:
		return "{string: " + typeShape(t.Elem(), depth+1) + "}"
	case reflect.Bool:
		return "bool"
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float64:
		return "number"
	}
	return t.Kind().String()
}
