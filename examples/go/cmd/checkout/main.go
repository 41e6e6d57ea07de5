// Command checkout places orders (Go, zap production JSON logs bridged to OTLP logs): it
// reads the cart from postgres, reserves stock with inventory and charges with payments.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/braid/examples/internal/logging"
	"github.com/braid/examples/internal/shop"
	"github.com/braid/examples/internal/telemetry"
	"go.uber.org/zap/zapcore"
)

func main() {
	cfg, err := shop.ParseFlags("checkout", "127.0.0.1:8081", time.Second, "inventory", "payments")
	if err != nil {
		shop.Fatal("checkout", err)
	}
	level, err := zapcore.ParseLevel(cfg.LogLevel)
	if err != nil {
		shop.Fatal("checkout", err)
	}
	svc, err := shop.New(context.Background(), cfg, true, func(lines io.Writer, t *telemetry.Telemetry) logging.Logger {
		return logging.NewZap(lines, level, "checkout", t.LoggerProvider)
	})
	if err != nil {
		shop.Fatal("checkout", err)
	}
	postgres := svc.NewPostgres("shop")
	inventory := svc.NewPeerClient("inventory")
	payments := svc.NewPeerClient("payments")

	svc.Handle("POST", "/checkout", func(ctx context.Context, r *http.Request) (any, error) {
		var order shop.Order
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&order); err != nil {
			return nil, &shop.StatusError{Code: http.StatusBadRequest, Err: fmt.Errorf("decode order: %w", err)}
		}
		if err := postgres.Query(ctx, "SELECT", "carts", "SELECT id, user_id, total_cents FROM carts WHERE id = $1"); err != nil {
			return nil, fmt.Errorf("load cart %s: %w", order.CartID, err)
		}
		var reservation struct {
			ReservationID string `json:"reservation_id"`
		}
		if err := inventory.PostJSON(ctx, "reserve stock", "/reserve", map[string]any{"cart_id": order.CartID, "items": order.Items}, &reservation); err != nil {
			return nil, err
		}
		var charge struct {
			PaymentID string `json:"payment_id"`
		}
		if err := payments.PostJSON(ctx, "charge payment", "/charge", map[string]any{"user_id": order.UserID, "amount_cents": order.AmountCents}, &charge); err != nil {
			return nil, err
		}
		return map[string]string{"status": "confirmed", "reservation_id": reservation.ReservationID, "payment_id": charge.PaymentID}, nil
	})
	if err := svc.Run(); err != nil {
		shop.Fatal("checkout", err)
	}
}
