package main

import (
	"context"

	"github.com/ponte-it/ponte/host/session"
	"github.com/ponte-it/ponte/internal/buildinfo"
	"github.com/ponte-it/ponte/internal/protocol"
)

// newHost wires every protocol command to the code that does it.
func newHost() *session.Host {
	return &session.Host{
		Version: buildinfo.Version,
		Events:  session.NewHub(),
		Handlers: map[string]session.Handler{
			protocol.CmdVersion: func(_ context.Context, req protocol.Request) (any, *protocol.Error) {
				if perr := protocol.Params(req, &struct{}{}); perr != nil {
					return nil, perr
				}
				return protocol.VersionResult{Version: buildinfo.Version}, nil
			},
		},
	}
}
