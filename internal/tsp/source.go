package tsp

import "github.com/ponte-it/ponte/internal/docio"

func bytesSource(b []byte) docio.Source { return docio.Bytes(b) }
