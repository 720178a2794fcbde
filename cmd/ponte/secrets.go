package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/ponte-it/ponte/internal/protocol"
)

// secrets reads PINs and passwords: from the terminal without echo, or line by line from a pipe.
type secrets struct {
	in     io.Reader
	prompt io.Writer
	lines  *bufio.Reader
}

func newSecrets(in io.Reader, prompt io.Writer) *secrets {
	return &secrets{in: in, prompt: prompt}
}

func (s *secrets) read(label string) (protocol.Secret, error) {
	if f, ok := s.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(s.prompt, "%s: ", label)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.prompt)
		return protocol.Secret(b), err
	}
	if s.lines == nil {
		s.lines = bufio.NewReader(s.in)
	}
	line, err := s.lines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return nil, fmt.Errorf("%s: nessun valore sullo standard input / no value on standard input", label)
	}
	return protocol.Secret(strings.TrimRight(line, "\r\n")), nil
}

// line reads one answer that is not secret (echoed on a terminal), from the same input as the secrets.
func (s *secrets) line() (string, error) {
	if s.lines == nil {
		s.lines = bufio.NewReader(s.in)
	}
	line, err := s.lines.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
