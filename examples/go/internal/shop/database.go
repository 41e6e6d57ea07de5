package shop

import (
	"context"
	"crypto/tls"
	"database/sql"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/braid/examples/internal/faults"
	"github.com/braid/examples/internal/peers"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Database is the simulated postgres the checkout service reads carts from. No server runs:
// a query succeeds after a short delay, but it is recorded as the CLIENT span a database/sql
// instrumentation records, and injected faults fail it with the error database/sql and its
// driver really return, produced by really dialing, timing out or verifying a certificate.
type Database struct {
	svc       *Service
	addr      string
	host      string
	port      int
	namespace string
	poolSlots chan struct{} // never has a free slot: waiting on it is an exhausted pool
}

// NewPostgres returns the simulated postgres at the service's --postgres-addr.
func (s *Service) NewPostgres(namespace string) *Database {
	host, portText, _ := net.SplitHostPort(s.Config.PostgresAddr)
	port, _ := strconv.Atoi(portText)
	return &Database{svc: s, addr: s.Config.PostgresAddr, host: host, port: port, namespace: namespace, poolSlots: make(chan struct{})}
}

// Query runs one statement: operation ("SELECT"), collection ("carts") and the query text.
func (d *Database) Query(ctx context.Context, operation, collection, query string) error {
	ctx, span := d.svc.Tracer.Start(ctx, operation+" "+d.namespace+"."+collection,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("db.system", "postgresql"), attribute.String("db.system.name", "postgresql"),
			attribute.String("db.namespace", d.namespace), attribute.String("db.name", d.namespace),
			attribute.String("db.operation.name", operation), attribute.String("db.collection.name", collection),
			attribute.String("db.query.text", query), attribute.String("db.statement", query),
			attribute.String("server.address", d.host), attribute.Int("server.port", d.port),
			attribute.String("peer.service", "postgres"),
		))
	defer span.End()
	err := d.run(ctx)
	if err != nil {
		RecordError(span, err)
	}
	return err
}

func (d *Database) run(ctx context.Context) error {
	inj := d.svc.Faults.Decide("postgres")
	if inj.Latency > 0 {
		if err := sleep(ctx, inj.Latency); err != nil {
			return err
		}
	}
	switch inj.Kind {
	case faults.ConnectionRefused:
		// lib/pq returns the dial error as is: "dial tcp 127.0.0.1:P: connect: connection refused".
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", d.addr)
		if err == nil {
			conn.Close()
			return nil
		}
		return err
	case faults.ConnectionReset:
		// The server drops the connection mid-handshake: lib/pq's read fails with the reset.
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", d.svc.Peers.ResetAddr)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.Write([]byte("\x00\x00\x00\x08\x04\xd2\x16\x2f")); err != nil {
			return err
		}
		_, err = conn.Read(make([]byte, 1))
		return err
	case faults.DNS:
		// The database's host name no longer resolves: the dial's real "no such host".
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(peers.UnresolvableHost("postgres"), "5432"))
		if err == nil {
			conn.Close()
		}
		return err
	case faults.Timeout:
		// The query outlives the caller's deadline; database/sql reports the context error.
		queryCtx, cancel := context.WithTimeout(ctx, d.svc.Config.DBTimeout)
		defer cancel()
		<-queryCtx.Done()
		return queryCtx.Err()
	case faults.NoRows:
		return sql.ErrNoRows
	case faults.TLSCertExpired:
		// sslmode=verify-full against a server whose certificate expired: the real handshake error.
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: d.svc.Config.DBTimeout}, "tcp", d.svc.Peers.ExpiredTLSAddr,
			&tls.Config{RootCAs: d.svc.Peers.ExpiredRoots, ServerName: "127.0.0.1"})
		if err == nil {
			conn.Close()
			return nil
		}
		return err
	case faults.PoolExhausted:
		// database/sql waits for a free connection until the context ends; it has no pool
		// error of its own, so an exhausted pool shows as the context's deadline.
		waitCtx, cancel := context.WithTimeout(ctx, d.svc.Config.DBTimeout)
		defer cancel()
		select {
		case <-d.poolSlots:
			return nil
		case <-waitCtx.Done():
			return waitCtx.Err()
		}
	}
	// A healthy query: a millisecond or two.
	return sleep(ctx, time.Duration(500+rand.IntN(2000))*time.Microsecond)
}
