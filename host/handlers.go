package main

import (
	"context"

	"github.com/ponte-it/ponte/host/session"
	"github.com/ponte-it/ponte/host/store"
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
			protocol.CmdJournalPut:  journalPut,
			protocol.CmdJournalList: journalList,
		},
	}
}

func journalPut(_ context.Context, req protocol.Request) (any, *protocol.Error) {
	var p protocol.JournalPut
	if perr := protocol.Params(req, &p); perr != nil {
		return nil, perr
	}
	s, err := store.Default()
	if err == nil {
		err = s.Put(p.ID, p.Record)
	}
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrInternal, "journal: %v", err)
	}
	return protocol.Empty{}, nil
}

func journalList(_ context.Context, req protocol.Request) (any, *protocol.Error) {
	if perr := protocol.Params(req, &struct{}{}); perr != nil {
		return nil, perr
	}
	s, err := store.Default()
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrInternal, "journal: %v", err)
	}
	records, _, err := s.List()
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrInternal, "journal: %v", err)
	}
	return protocol.JournalListResult{Records: records}, nil
}
