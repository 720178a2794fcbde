package firefox

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
)

// Click clicks the middle of the first element matching the CSS selector as a user would: a real mouse
// press and release (W3C WebDriver BiDi §7.8.3.1 input.performActions), so the page sees a trusted event
// and Firefox treats the handler as handling user input (which permissions.request demands).
func (b *Browser) Click(ctx context.Context, selector string) error {
	sel, _ := json.Marshal(selector)
	v, err := b.Eval(ctx, `(() => { const el = document.querySelector(`+string(sel)+`); if (!el) return "";
		el.scrollIntoView({block: "center"}); const r = el.getBoundingClientRect();
		return JSON.stringify([r.left + r.width / 2, r.top + r.height / 2]); })()`)
	if err != nil {
		return err
	}
	var text string
	if err := json.Unmarshal(v, &text); err != nil || text == "" {
		return fmt.Errorf("click: no element %s", selector)
	}
	var xy [2]float64
	if err := json.Unmarshal([]byte(text), &xy); err != nil {
		return err
	}
	x, y := int(math.Round(xy[0])), int(math.Round(xy[1]))
	return b.bidi.Call(ctx, "input.performActions", map[string]any{
		"context": b.Context,
		"actions": []any{map[string]any{
			"type": "pointer", "id": "mouse", "parameters": map[string]any{"pointerType": "mouse"},
			"actions": []any{
				map[string]any{"type": "pointerMove", "x": x, "y": y, "origin": "viewport"},
				map[string]any{"type": "pointerDown", "button": 0},
				map[string]any{"type": "pointerUp", "button": 0},
			},
		}},
	}, nil)
}
