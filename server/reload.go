package server

import (
	"context"
	"errors"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	stancev1 "github.com/claimstance/stance/proto/stance/v1"
)

// ErrReloadUnavailable is returned by Reload when the server was made
// without Options.Reload.
var ErrReloadUnavailable = errors.New("server: no model source to reload from")

// reloader serializes reloads and remembers the last outcome.
type reloader struct {
	mu     sync.Mutex
	status *stancev1.ReloadStatus // protected by mu; nil before the first reload
}

func (r *reloader) last() *stancev1.ReloadStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// Reload loads the model again with Options.Reload and swaps it in
// atomically: calls already running finish on the old model, later calls
// use the new one. If loading fails, the old model keeps serving, the
// failure is logged and shown by GetModelInfo, and the error is returned.
// trigger says what asked ("signal", "rpc"). Reloads run one at a time.
func (s *Server) Reload(trigger string) (previous, current string, err error) {
	if s.opts.Reload == nil {
		return "", "", ErrReloadUnavailable
	}
	s.reload.mu.Lock()
	defer s.reload.mu.Unlock()
	previous = s.model.Load().Metadata().Version
	st := &stancev1.ReloadStatus{Time: timestamppb.Now(), Trigger: trigger}
	m, err := s.opts.Reload()
	s.metrics.reloaded(err)
	if err != nil {
		st.Error = err.Error()
		s.reload.status = st
		s.opts.Logger.Error("model reload failed; the previous model keeps serving", "trigger", trigger, "model", previous, "error", err)
		return previous, previous, err
	}
	s.model.Store(m)
	st.Ok = true
	s.reload.status = st
	current = m.Metadata().Version
	s.opts.Logger.Info("model reloaded", "trigger", trigger, "previous", previous, "model", current)
	return previous, current, nil
}

// adminServer implements stance.v1.AdminService.
type adminServer struct {
	stancev1.UnimplementedAdminServiceServer
	s *Server
}

// ReloadModel reloads the model; it needs the server's bearer token.
func (a *adminServer) ReloadModel(ctx context.Context, _ *stancev1.ReloadModelRequest) (*stancev1.ReloadModelResponse, error) {
	if a.s.opts.AuthToken == "" {
		return nil, status.Error(codes.PermissionDenied, "the admin service needs a server started with an auth token (--auth-token-file)")
	}
	prev, cur, err := a.s.Reload("rpc")
	switch {
	case errors.Is(err, ErrReloadUnavailable):
		return nil, status.Error(codes.FailedPrecondition, "this server has no model source to reload from")
	case err != nil:
		return nil, status.Errorf(codes.FailedPrecondition, "reload failed, the previous model (%s) keeps serving: %v", prev, err)
	}
	return &stancev1.ReloadModelResponse{Version: cur, PreviousVersion: prev}, nil
}
