// Package peers provides the local endpoints that make injected failures real: a loopback
// port where nothing listens (a real "connection refused"), a listener that accepts and
// never answers (a real client timeout), a TLS server whose certificate has expired (a real
// x509 verification error) and an HTTP server that answers 503 like a proxy with no healthy
// upstream. Only loopback addresses are used.
package peers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// Endpoints of the failure peers of one process.
type Endpoints struct {
	ClosedAddr      string         // nothing listens here
	BlackholeAddr   string         // accepts connections, never replies
	ExpiredTLSAddr  string         // TLS with a certificate that expired yesterday
	UnavailableAddr string         // HTTP, always 503
	ResetAddr       string         // reads the request, then resets the connection (TCP RST)
	ExpiredRoots    *x509.CertPool // trusts the expired certificate, so expiry is the only failure

	listeners []net.Listener
	mu        sync.Mutex
	held      []net.Conn
}

// ReserveClosedPort returns a loopback address that was free a moment ago and is now closed.
func ReserveClosedPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

// Start opens the failure peers.
func Start() (*Endpoints, error) {
	e := &Endpoints{}
	addr, err := ReserveClosedPort()
	if err != nil {
		return nil, err
	}
	e.ClosedAddr = addr

	blackhole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.listeners = append(e.listeners, blackhole)
	e.BlackholeAddr = blackhole.Addr().String()
	go func() {
		for {
			conn, err := blackhole.Accept()
			if err != nil {
				return
			}
			e.mu.Lock()
			e.held = append(e.held, conn)
			e.mu.Unlock()
			// Read and discard so the client's write completes and it waits for a reply.
			go io.Copy(io.Discard, conn)
		}
	}()

	cert, roots, err := expiredCertificate()
	if err != nil {
		return nil, err
	}
	e.ExpiredRoots = roots
	tlsListener, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, err
	}
	e.listeners = append(e.listeners, tlsListener)
	e.ExpiredTLSAddr = tlsListener.Addr().String()
	// The client's failed handshake is the point; the server side stays quiet about it.
	quiet := log.New(io.Discard, "", 0)
	go (&http.Server{ErrorLog: quiet, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })}).Serve(tlsListener)

	unavailable, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.listeners = append(e.listeners, unavailable)
	e.UnavailableAddr = unavailable.Addr().String()
	go http.Serve(unavailable, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "no healthy upstream")
	}))

	reset, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.listeners = append(e.listeners, reset)
	e.ResetAddr = reset.Addr().String()
	go func() {
		for {
			conn, err := reset.Accept()
			if err != nil {
				return
			}
			go func() {
				// Take the request, then close with SO_LINGER 0: the kernel answers with RST, and
				// the client's read fails with "connection reset by peer".
				buf := make([]byte, 4096)
				_ = conn.SetReadDeadline(time.Now().Add(time.Second))
				_, _ = conn.Read(buf)
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0)
				}
				conn.Close()
			}()
		}
	}()
	return e, nil
}

// UnresolvableHost is a host name no resolver knows (RFC 6761 reserves .invalid), so a dial to
// it fails with the resolver's real "no such host".
func UnresolvableHost(name string) string { return name + ".braid-example.invalid" }

// Close stops the listeners and drops held connections.
func (e *Endpoints) Close() {
	for _, l := range e.listeners {
		l.Close()
	}
	e.mu.Lock()
	for _, c := range e.held {
		c.Close()
	}
	e.mu.Unlock()
}

// expiredCertificate makes a self-signed certificate for 127.0.0.1 that expired a day ago.
func expiredCertificate() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(now.Unix()),
		Subject:               pkix.Name{CommonName: "127.0.0.1", Organization: []string{"shop"}},
		NotBefore:             now.Add(-90 * 24 * time.Hour),
		NotAfter:              now.Add(-24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("create certificate: %w", err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	roots := x509.NewCertPool()
	roots.AddCert(parsed)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed}, roots, nil
}
