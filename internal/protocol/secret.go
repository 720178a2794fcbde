package protocol

import (
	"encoding/json"
	"fmt"
)

// Secret holds a PIN or PUK. It travels as a JSON string but lives in a byte slice so the host can wipe it
// after use, and it prints as [redacted] so no log line, error or %v can ever show it.
type Secret []byte

func (s *Secret) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("a PIN or PUK must be a string")
	}
	*s = Secret(str)
	return nil
}

func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(string(s)) }

// String and GoString keep the value out of logs and error messages.
func (s Secret) String() string   { return "[redacted]" }
func (s Secret) GoString() string { return "[redacted]" }

// Wipe overwrites the secret in place.
func (s Secret) Wipe() {
	for i := range s {
		s[i] = 0
	}
}
