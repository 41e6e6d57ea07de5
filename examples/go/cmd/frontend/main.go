// Command frontend is the shop's edge service (Go, log/slog JSON logs): it takes orders
// from the load generator and forwards them to checkout.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/braid/examples/internal/logging"
	"github.com/braid/examples/internal/shop"
	"github.com/braid/examples/internal/telemetry"
)

func main() {
	cfg, err := shop.ParseFlags("frontend", "127.0.0.1:8080", 3*time.Second, "checkout")
	if err != nil {
		shop.Fatal("frontend", err)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	svc, err := shop.New(context.Background(), cfg, false, func(lines io.Writer, _ *telemetry.Telemetry) logging.Logger {
		return logging.NewSlog(lines, level, "frontend")
	})
	if err != nil {
		shop.Fatal("frontend", err)
	}
	checkout := svc.NewPeerClient("checkout")

	svc.Handle("POST", "/api/checkout", func(ctx context.Context, r *http.Request) (any, error) {
		var order shop.Order
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&order); err != nil {
			return nil, &shop.StatusError{Code: http.StatusBadRequest, Err: fmt.Errorf("decode order: %w", err)}
		}
		var confirmation map[string]any
		if err := checkout.PostJSON(ctx, "place order", "/checkout", order, &confirmation); err != nil {
			return nil, err
		}
		return confirmation, nil
	})
	if err := svc.Run(); err != nil {
		shop.Fatal("frontend", err)
	}
}
