package main

import (
	"context"
	"errors"

	"github.com/ponte-it/ponte/host/cards"
	"github.com/ponte-it/ponte/host/session"
	"github.com/ponte-it/ponte/host/store"
	"github.com/ponte-it/ponte/internal/buildinfo"
	"github.com/ponte-it/ponte/internal/protocol"
)

// newHost wires every protocol command to the code that does it.
func newHost(svc *cards.Service) *session.Host {
	h := &session.Host{
		Version: buildinfo.Version,
		Events:  session.NewHub(),
		Handlers: map[string]session.Handler{
			protocol.CmdCards:            handle(func(ctx context.Context, _ struct{}) (protocol.CardsResult, *protocol.Error) { return svc.Cards(ctx) }),
			protocol.CmdLogin:            handle(svc.Login),
			protocol.CmdLogout:           handle(svc.Logout),
			protocol.CmdSign:             handle(svc.Sign),
			protocol.CmdGenerateKey:      handle(svc.GenerateKey),
			protocol.CmdWriteCertificate: handle(svc.WriteCertificate),
			protocol.CmdDeleteObjects:    handle(svc.DeleteObjects),
			protocol.CmdChangePIN:        handle(svc.ChangePIN),
			protocol.CmdUnblockPIN:       handle(svc.UnblockPIN),
			protocol.CmdDiagnose: handle(func(ctx context.Context, _ struct{}) (protocol.DiagnoseResult, *protocol.Error) {
				return svc.Diagnose(ctx)
			}),
			protocol.CmdVersion: func(_ context.Context, req protocol.Request) (any, *protocol.Error) {
				if perr := protocol.Params(req, &struct{}{}); perr != nil {
					return nil, perr
				}
				return protocol.VersionResult{Version: buildinfo.Version}, nil
			},
			protocol.CmdJournalPut:    journalPut,
			protocol.CmdJournalList:   journalList,
			protocol.CmdJournalDelete: journalDelete,
			protocol.CmdBrowserLogin: handle(func(ctx context.Context, p protocol.BrowserLogin) (protocol.BrowserLoginResult, *protocol.Error) {
				return browserLogin(ctx, svc, p)
			}),
		},
	}
	h.Logins = session.NewLogins(session.LogoutFunc(h.Handlers[protocol.CmdLogout]))
	h.Logins.WatchRemovals(h.Events)
	return h
}

// handle adapts a typed operation: params decoded strictly into P, the result R encoded by the session.
func handle[P, R any](op func(context.Context, P) (R, *protocol.Error)) session.Handler {
	return func(ctx context.Context, req protocol.Request) (any, *protocol.Error) {
		var p P
		if perr := protocol.Params(req, &p); perr != nil {
			return nil, perr
		}
		r, perr := op(ctx, p)
		if perr != nil {
			return nil, perr
		}
		return r, nil
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
	if errors.Is(err, store.ErrBusy) {
		return nil, protocol.Errorf(protocol.ErrRenewalBusy, "journal: %v", err)
	}
	if errors.Is(err, store.ErrNoVersion) {
		return nil, protocol.Errorf(protocol.ErrVersionMismatch, "journal: %v", err)
	}
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrInternal, "journal: %v", err)
	}
	return protocol.Empty{}, nil
}

func journalDelete(_ context.Context, req protocol.Request) (any, *protocol.Error) {
	var p protocol.JournalDelete
	if perr := protocol.Params(req, &p); perr != nil {
		return nil, perr
	}
	s, err := store.Default()
	if err == nil {
		err = s.Delete(p.ID)
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
