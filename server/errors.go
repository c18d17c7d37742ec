package server

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// fieldError is a request field that is not acceptable.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// limitError is a request field over one of the server's limits.
type limitError struct {
	field      string
	limit, got int
	unit, fix  string
}

func (e *limitError) Error() string {
	return fmt.Sprintf("%s: %d %s is over the limit of %d %s: %s", e.field, e.got, e.unit, e.limit, e.unit, e.fix)
}

// toStatus maps an error of this package or the classifier to a gRPC
// status. Request errors become INVALID_ARGUMENT with an
// errdetails.BadRequest naming the field; context errors keep their
// meaning; anything else is INTERNAL with a generic message.
func toStatus(err error) error {
	var fe *fieldError
	var le *limitError
	field, msg := "", ""
	switch {
	case errors.As(err, &fe):
		field, msg = fe.field, fe.Error()
	case errors.As(err, &le):
		field, msg = le.field, le.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	default:
		if _, ok := status.FromError(err); ok {
			return err
		}
		return status.Error(codes.Internal, "internal error")
	}
	st := status.New(codes.InvalidArgument, msg)
	if d, err := st.WithDetails(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: msg}}}); err == nil {
		st = d
	}
	return st.Err()
}
