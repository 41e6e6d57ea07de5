package shop

import (
	"context"
	"errors"
	"net"
	"net/http"
	"reflect"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// StatusError fails a request with a chosen HTTP status.
type StatusError struct {
	Code int
	Err  error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// StatusOf picks the response status for a failed request: an explicit StatusError, 504
// for a deadline, else 500.
func StatusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// RecordError records err on span as instrumented Go code does: span.RecordError adds the
// "exception" event (exception.type from the error's Go type, exception.message), the
// status becomes Error with the message, and error.type names the innermost error's type.
func RecordError(span trace.Span, err error, extra ...attribute.KeyValue) {
	// StatusError only carries the response code; the exception is the error it wraps.
	var se *StatusError
	if errors.As(err, &se) && se == err {
		err = se.Err
	}
	span.RecordError(err, trace.WithAttributes(extra...))
	span.SetStatus(codes.Error, err.Error())
	span.SetAttributes(attribute.String("error.type", typeName(err)))
}

// typeName is the Go type of the innermost error of the chain, as the SDK spells types
// (e.g. *net.OpError, context.deadlineExceededError, *errors.errorString).
func typeName(err error) string {
	var se *StatusError
	if errors.As(err, &se) {
		err = se.Err
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	t := reflect.TypeOf(err)
	if t.Name() != "" && t.PkgPath() != "" {
		return t.PkgPath() + "." + t.Name()
	}
	return t.String()
}
