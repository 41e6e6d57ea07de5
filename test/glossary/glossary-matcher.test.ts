// The glossary matcher on real Go and Rust error strings. Each string's origin is noted:
// [run] printed by test/fixtures/normalizer/capture (Go 1.26 / rustc 1.95), [doc] quoted in
// /work/shared/reference/go-rust-formats.md (with its upstream source), [lib] the library's
// source (file/function named).
import { describe, expect, it } from "vitest";
import { compileGlossary, matchError, type ErrorSignal } from "../../normalizer/index.js";
import { bundledGlossary, parseGlossary } from "../../schemas/glossary/index.js";

type Row = [language: "go" | "rust", text: string, code: string, source: string];

const realStrings: Row[] = [
  // --- connection refused
  ["go", "dial tcp 10.0.0.5:5432: connect: connection refused", "UNAVAILABLE.CONNECTION_REFUSED", "net.Dial → *net.OpError [run]"],
  ["go", 'Get "http://127.0.0.1:1/health": dial tcp 127.0.0.1:1: connect: connection refused', "UNAVAILABLE.CONNECTION_REFUSED", "http.Get → *url.Error [run]"],
  ["go", 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.1:50051: connect: connection refused"', "UNAVAILABLE.CONNECTION_REFUSED", "grpc-go status.Error [doc]"],
  ["go", "failed to connect to `host=postgres user=app database=orders`: dial error (dial tcp 10.0.0.7:5432: connect: connection refused)", "UNAVAILABLE.CONNECTION_REFUSED", "pgx pgconn.Connect [lib pgconn/errors.go]"],
  ["rust", "Connection refused (os error 111)", "UNAVAILABLE.CONNECTION_REFUSED", "std::net::TcpStream::connect [run]"],
  ["rust", "connection refused", "UNAVAILABLE.CONNECTION_REFUSED", "io::Error::from(ErrorKind::ConnectionRefused) [run]"],
  ["rust", 'Os { code: 111, kind: ConnectionRefused, message: "Connection refused" }', "UNAVAILABLE.CONNECTION_REFUSED", "io::Error Debug [run]"],
  ["rust", "error sending request for url (http://db:8080/x): error trying to connect: tcp connect error: Connection refused (os error 111)", "UNAVAILABLE.CONNECTION_REFUSED", "reqwest <= 0.12.0 Display with source [doc]"],
  ["rust", 'status: Unavailable, message: "tcp connect error", details: [], metadata: MetadataMap { headers: {} }', "UNAVAILABLE.HTTP_REQUEST_FAILED", "tonic <= 0.14.1 Status Display [doc]"],
  // --- reset, broken pipe, EOF, closed
  ["go", "read tcp 10.0.0.2:51234->10.0.0.1:5432: read: connection reset by peer", "UNAVAILABLE.CONNECTION_RESET", "net.OpError read ECONNRESET [doc]"],
  ["rust", "Connection reset by peer (os error 104)", "UNAVAILABLE.CONNECTION_RESET", "TcpStream::read after RST [run]"],
  ["rust", "connection reset", "UNAVAILABLE.CONNECTION_RESET", "ErrorKind::ConnectionReset [run]"],
  ["go", "write tcp 127.0.0.1:57570->127.0.0.1:37109: write: broken pipe", "UNAVAILABLE.BROKEN_PIPE", "net.Conn.Write after RST [run]"],
  ["rust", "Broken pipe (os error 32)", "UNAVAILABLE.BROKEN_PIPE", "TcpStream::write after RST [run]"],
  ["go", "unexpected EOF", "UNAVAILABLE.UNEXPECTED_EOF", "io.ErrUnexpectedEOF [run]"],
  ["go", "EOF", "UNAVAILABLE.UNEXPECTED_EOF", "io.EOF [run]"],
  ["go", 'Post "http://payments:8080/charge": EOF', "UNAVAILABLE.UNEXPECTED_EOF", "url.Error wrapping io.EOF [doc]"],
  ["rust", "unexpected end of file", "UNAVAILABLE.UNEXPECTED_EOF", "ErrorKind::UnexpectedEof [run]"],
  ["go", "http: server closed idle connection", "UNAVAILABLE.CONNECTION_CLOSED", "net/http transport [doc]"],
  ["rust", "connection closed before message completed", "UNAVAILABLE.CONNECTION_CLOSED", "hyper 1.x IncompleteMessage [doc]"],
  // --- DNS, routing
  ["go", "dial tcp: lookup postgres.payments.svc.cluster.local on 10.96.0.10:53: no such host", "UNAVAILABLE.DNS", "net.DNSError [run]"],
  ["go", "dial tcp: lookup db.internal: no such host", "UNAVAILABLE.DNS", "net.DNSError without server [doc]"],
  ["go", "lookup redis.internal on 127.0.0.53:53: server misbehaving", "UNAVAILABLE.DNS", "net.DNSError [run]"],
  ["go", "dial tcp: lookup db.internal on 10.96.0.10:53: i/o timeout", "UNAVAILABLE.DNS", "resolver timeout [doc: i/o timeout]"],
  ["rust", "failed to lookup address information: Name or service not known", "UNAVAILABLE.DNS", "std ToSocketAddrs / getaddrinfo [lib std/sys/net]"],
  ["go", "dial tcp 10.0.0.9:443: connect: no route to host", "UNAVAILABLE.HOST_UNREACHABLE", "net.OpError EHOSTUNREACH [run]"],
  ["rust", "No route to host (os error 113)", "UNAVAILABLE.HOST_UNREACHABLE", "ErrorKind::HostUnreachable [doc]"],
  // --- deadlines
  ["go", "context deadline exceeded", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "context.DeadlineExceeded [run]"],
  ["rust", "deadline has elapsed", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "tokio::time::error::Elapsed [run]"],
  ["go", "rpc error: code = DeadlineExceeded desc = context deadline exceeded", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "grpc-go [doc]"],
  ["rust", "code: 'Deadline expired before operation could complete', message: \"Timeout expired\"", "DEADLINE_EXCEEDED.CLIENT_TIMEOUT", "tonic >= 0.14.3 Display [doc]"],
  ["go", 'Get "http://10.244.2.2:8000/health": context deadline exceeded (Client.Timeout exceeded while awaiting headers)', "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", "net/http Client.Timeout, Go >= 1.14 [doc][run]"],
  ["go", "net/http: request canceled (Client.Timeout exceeded while awaiting headers)", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", "net/http, older Go [doc]"],
  ["go", "net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", "net/http, older Go [doc]"],
  ["rust", "operation timed out", "DEADLINE_EXCEEDED.HTTP_CLIENT_TIMEOUT", "reqwest timeout source [doc]"],
  ["go", "dial tcp 10.0.0.1:5432: i/o timeout", "DEADLINE_EXCEEDED.CONNECT_TIMEOUT", "net.Dialer timeout [doc]"],
  ["rust", "Connection timed out (os error 110)", "DEADLINE_EXCEEDED.CONNECT_TIMEOUT", "ETIMEDOUT [doc]"],
  ["go", "read tcp 127.0.0.1:57570->127.0.0.1:37109: i/o timeout", "DEADLINE_EXCEEDED.IO_TIMEOUT", "SetReadDeadline [run]"],
  ["rust", "timed out", "DEADLINE_EXCEEDED.IO_TIMEOUT", "ErrorKind::TimedOut [run]"],
  ["rust", "Resource temporarily unavailable (os error 11)", "DEADLINE_EXCEEDED.IO_TIMEOUT", "read past set_read_timeout [run]"],
  ["go", "net/http: TLS handshake timeout", "DEADLINE_EXCEEDED.TLS_HANDSHAKE_TIMEOUT", "net/http [doc]"],
  ["go", "ERROR: canceling statement due to statement timeout (SQLSTATE 57014)", "DEADLINE_EXCEEDED.DB_STATEMENT_TIMEOUT", "pgx PgError Error() [lib pgconn/errors.go]"],
  // --- cancellation
  ["go", "context canceled", "CANCELLED.CLIENT", "context.Canceled [run]"],
  ["rust", "operation was canceled", "CANCELLED.CLIENT", "hyper 1.x [doc]"],
  // --- pools and resources
  ["rust", "pool timed out while waiting for an open connection", "RESOURCE_EXHAUSTED.POOL_TIMEOUT", "sqlx >= 0.7 Error::PoolTimedOut [doc]"],
  ["rust", "timed out while waiting for an open connection", "RESOURCE_EXHAUSTED.POOL_TIMEOUT", "sqlx < 0.4 [doc]"],
  ["go", "redis: connection pool timeout", "RESOURCE_EXHAUSTED.POOL_TIMEOUT", "go-redis ErrPoolTimeout [lib internal/pool/pool.go]"],
  ["go", "FATAL: sorry, too many clients already (SQLSTATE 53300)", "RESOURCE_EXHAUSTED.DB_TOO_MANY_CONNECTIONS", "pgx PgError [lib pgconn]"],
  ["go", "accept tcp [::]:8080: accept4: too many open files", "RESOURCE_EXHAUSTED.TOO_MANY_OPEN_FILES", "net/http Server.Serve [lib]"],
  ["rust", "memory allocation of 17179869184 bytes failed", "RESOURCE_EXHAUSTED.OUT_OF_MEMORY", "std alloc::handle_alloc_error [lib]"],
  ["go", "fatal error: runtime: out of memory", "RESOURCE_EXHAUSTED.OUT_OF_MEMORY", "Go runtime [lib runtime/malloc.go]"],
  ["go", "write /var/log/app.log: no space left on device", "RESOURCE_EXHAUSTED.DISK_FULL", "os.PathError ENOSPC [lib]"],
  ["go", "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5242880 vs. 4194304)", "RESOURCE_EXHAUSTED.MESSAGE_TOO_LARGE", "grpc-go rpc_util.go [lib]"],
  // --- TLS and auth
  ["go", "tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-08-07T00:00:04+08:00 is after 2025-08-06T16:00:35Z", "UNAUTHENTICATED.TLS_CERT_EXPIRED", "crypto/tls, Go >= 1.20 [doc]"],
  ["go", "x509: certificate signed by unknown authority", "UNAUTHENTICATED.TLS_UNKNOWN_AUTHORITY", "crypto/x509 [run]"],
  ["go", "x509: certificate is valid for payments.internal, not orders.internal", "UNAUTHENTICATED.TLS_HOSTNAME_MISMATCH", "crypto/x509 HostnameError [run]"],
  ["rust", "invalid peer certificate: UnknownIssuer", "UNAUTHENTICATED.TLS_UNKNOWN_AUTHORITY", "rustls CertificateError Display [lib rustls/src/error.rs]"],
  ["go", "FATAL: password authentication failed for user \"app\" (SQLSTATE 28P01)", "UNAUTHENTICATED.INVALID_CREDENTIALS", "pgx PgError [lib]"],
  ["go", "rpc error: code = PermissionDenied desc = caller may not read orders", "PERMISSION_DENIED.FORBIDDEN", "grpc-go [run]"],
  ["go", "open /etc/app/secret.key: permission denied", "PERMISSION_DENIED.FILESYSTEM", "os.PathError EACCES [lib]"],
  ["rust", "Permission denied (os error 13)", "PERMISSION_DENIED.FILESYSTEM", "std::io::Error EACCES [lib]"],
  // --- database
  ["go", "sql: no rows in result set", "NOT_FOUND.NO_ROWS", "database/sql ErrNoRows [run]"],
  ["go", "no rows in result set", "NOT_FOUND.NO_ROWS", "pgx.ErrNoRows [lib pgx/rows.go]"],
  ["rust", "no rows returned by a query that expected to return at least one row", "NOT_FOUND.NO_ROWS", "sqlx >= 0.7 Error::RowNotFound [doc]"],
  ["rust", "Record not found", "NOT_FOUND.NO_ROWS", "diesel result::Error::NotFound Display [lib]"],
  ["go", "driver: bad connection", "UNAVAILABLE.DB_CONNECTION", "database/sql/driver.ErrBadConn [run]"],
  ["rust", "error communicating with database: Connection reset by peer (os error 104)", "UNAVAILABLE.CONNECTION_RESET", "sqlx Error::Io wraps the io error; the cause is more precise [doc]"],
  ["go", "sql: database is closed", "FAILED_PRECONDITION.CONNECTION_CLOSED", "database/sql [run]"],
  ["rust", "attempted to acquire a connection on a closed pool", "FAILED_PRECONDITION.CONNECTION_CLOSED", "sqlx Error::PoolClosed [doc]"],
  ["go", 'ERROR: duplicate key value violates unique constraint "orders_pkey" (SQLSTATE 23505)', "ALREADY_EXISTS.UNIQUE_VIOLATION", "pgx PgError [lib]"],
  ["rust", 'error returned from database: duplicate key value violates unique constraint "orders_pkey"', "ALREADY_EXISTS.UNIQUE_VIOLATION", "sqlx Error::Database [doc]"],
  ["go", "ERROR: deadlock detected (SQLSTATE 40P01)", "ABORTED.DEADLOCK", "pgx PgError [lib]"],
  ["go", "ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)", "ABORTED.SERIALIZATION_FAILURE", "pgx PgError [lib]"],
  ["go", 'ERROR: relation "orderz" does not exist (SQLSTATE 42P01)', "NOT_FOUND.DB_RELATION", "pgx PgError [lib]"],
  ["go", 'ERROR: insert or update on table "items" violates foreign key constraint "items_order_id_fkey" (SQLSTATE 23503)', "FAILED_PRECONDITION.DB_CONSTRAINT", "pgx PgError [lib]"],
  ["go", 'ERROR: invalid input syntax for type uuid: "abc" (SQLSTATE 22P02)', "INVALID_ARGUMENT.DB_INVALID_INPUT", "pgx PgError [lib]"],
  // --- decode and parse
  ["go", "invalid character '<' looking for beginning of value", "INVALID_ARGUMENT.DESERIALIZE", "encoding/json SyntaxError [run]"],
  ["go", "json: cannot unmarshal string into Go struct field .Qty of type int", "INVALID_ARGUMENT.DESERIALIZE", "encoding/json UnmarshalTypeError [run]"],
  ["go", "unexpected end of JSON input", "INVALID_ARGUMENT.DESERIALIZE", "encoding/json [run]"],
  ["rust", "EOF while parsing a value at line 1 column 0", "INVALID_ARGUMENT.DESERIALIZE", "serde_json [run]"],
  ["rust", "missing field `sku` at line 1 column 8", "INVALID_ARGUMENT.DESERIALIZE", "serde_json [run]"],
  ["rust", 'invalid type: string "7", expected u32 at line 1 column 9', "INVALID_ARGUMENT.DESERIALIZE", "serde_json [run]"],
  ["rust", "expected value at line 1 column 1", "INVALID_ARGUMENT.DESERIALIZE", "serde_json [run]"],
  ["go", "proto: cannot parse invalid wire-format data", "INVALID_ARGUMENT.PROTO_DECODE", "google.golang.org/protobuf [lib]"],
  ["go", 'strconv.Atoi: parsing "12a": invalid syntax', "INVALID_ARGUMENT.PARSE_NUMBER", "strconv.NumError [run]"],
  ["rust", "invalid digit found in string", "INVALID_ARGUMENT.PARSE_NUMBER", "core::num::ParseIntError [run]"],
  ["rust", "invalid utf-8 sequence of 1 bytes from index 1", "INVALID_ARGUMENT.UTF8", "core::str::Utf8Error [run]"],
  // --- panics and fatal errors
  ["go", "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f2a5]\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x15\nexit status 2", "INTERNAL.PANIC", "Go runtime panic [doc][run]"],
  ["go", "runtime error: index out of range [5] with length 3", "INTERNAL.PANIC", "runtime.boundsError, recovered [run]"],
  ["go", "fatal error: concurrent map writes", "INTERNAL.FATAL_ERROR", "Go runtime [run]"],
  ["go", "fatal error: all goroutines are asleep - deadlock!", "INTERNAL.FATAL_ERROR", "Go runtime [doc]"],
  ["go", "runtime: goroutine stack exceeds 1000000000-byte limit\nfatal error: stack overflow", "INTERNAL.STACK_OVERFLOW", "Go runtime [lib runtime/stack.go]"],
  ["rust", "thread 'main' (3956) panicked at src/main.rs:20:41:\ncalled `Result::unwrap()` on an `Err` value: \"boom\"\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", "INTERNAL.PANIC", "std panic hook, rustc >= 1.88 [doc][run]"],
  ["rust", "thread 'tokio-runtime-worker' panicked at 'called `Option::unwrap()` on a `None` value', src/handler.rs:10:5", "INTERNAL.PANIC", "std panic hook, rustc < 1.73 [doc]"],
  ["rust", "thread 'main' panicked at src/db.rs:7:9:\ncalled `Result::unwrap()` on an `Err` value: Os { code: 111, kind: ConnectionRefused, message: \"Connection refused\" }", "INTERNAL.PANIC", "a panic wins over the error it carries [doc]"],
  ["rust", "thread 'main' (17273) has overflowed its stack\nfatal runtime error: stack overflow, aborting", "INTERNAL.STACK_OVERFLOW", "std stack overflow handler [run]"],
  // --- seen in the emitter services' captures (test/fixtures/emitters)
  ["rust", "index out of bounds: the len is 0 but the index is 7", "INTERNAL.PANIC", "slice index panic message, caught by the handler [emitters]"],
  ["rust", "service overloaded", "UNAVAILABLE.SERVICE_UNAVAILABLE", "tower load_shed Overloaded [emitters]"],
  ["go", "charge payment: payments replied 503 Service Unavailable", "UNAVAILABLE.UPSTREAM", "a Go client wrapping the status it received [emitters]"],
  ["go", "load cart cart-499-77: tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-25T10:23:45Z is after 2026-11-24T10:23:45Z", "UNAUTHENTICATED.TLS_CERT_EXPIRED", "crypto/tls via database client [emitters]"],
  // --- gRPC status text without a refinement
  ["go", "rpc error: code = Unavailable desc = the connection is draining", "UNAVAILABLE", "grpc-go [run]"],
  ["go", "rpc error: code = Unimplemented desc = unknown service shop.v1.Inventory", "UNIMPLEMENTED.METHOD", "grpc-go [run]"],
  ["go", "rpc error: code = Internal desc = stream terminated by RST_STREAM with error code: INTERNAL_ERROR", "INTERNAL", "grpc-go [lib]"],
  ["rust", "HTTP status server error (503 Service Unavailable) for url (http://inventory:8080/stock)", "UNAVAILABLE.UPSTREAM", "reqwest error_for_status [doc]"],
  ["rust", "HTTP status client error (404 Not Found) for url (http://inventory:8080/stock/9)", "NOT_FOUND", "reqwest error_for_status [doc]"],
];

describe("glossary matcher on real Go and Rust error strings", () => {
  it.each(realStrings)("[%s] %j → %s (%s)", (language, text, code) => {
    expect(matchError({ message: text, language }).code).toBe(code);
  });

  it("maps Go 'dial tcp 10.0.0.5:5432: connect: connection refused' and Rust 'Connection refused (os error 111)' to UNAVAILABLE.CONNECTION_REFUSED", () => {
    const go = matchError({ message: "dial tcp 10.0.0.5:5432: connect: connection refused", language: "go" });
    const rust = matchError({ message: "Connection refused (os error 111)", language: "rust" });
    expect([go.code, rust.code]).toEqual(["UNAVAILABLE.CONNECTION_REFUSED", "UNAVAILABLE.CONNECTION_REFUSED"]);
    expect(go.retryable && rust.retryable).toBe(true);
    expect(go.class).toBe("transient");
  });

  it("maps Go 'context deadline exceeded' and Rust 'deadline has elapsed' to the same DEADLINE_EXCEEDED code", () => {
    const go = matchError({ message: "context deadline exceeded", language: "go" });
    const rust = matchError({ message: "deadline has elapsed", language: "rust" });
    expect(go.code).toBe(rust.code);
    expect(go.code.startsWith("DEADLINE_EXCEEDED.")).toBe(true);
  });

  it("does not depend on knowing the language: the same strings match without it", () => {
    for (const [, text, code] of realStrings) expect(matchError({ message: text }).code, text).toBe(code);
  });

  it("is deterministic across calls and across compilations of the glossary", () => {
    // A second, independent compilation of the same catalogue (as data) must agree exactly.
    const again = compileGlossary(parseGlossary(JSON.parse(JSON.stringify(bundledGlossary()))));
    for (const [language, text] of realStrings) {
      const a = matchError({ message: text, language });
      const b = matchError({ message: text, language }, again);
      expect(b).toEqual(a);
    }
  });
});

describe("structural context when the text says little", () => {
  const cases: [ErrorSignal, string][] = [
    [{ message: "", grpcCode: 14 }, "UNAVAILABLE"],
    [{ message: "upstream said no", grpcCode: "Unavailable" }, "UNAVAILABLE"],
    [{ message: "", grpcCode: "DEADLINE_EXCEEDED" }, "DEADLINE_EXCEEDED.CLIENT_TIMEOUT"],
    [{ message: "checkout failed", httpStatus: 503, spanKind: "Client" }, "UNAVAILABLE.UPSTREAM"],
    [{ message: "checkout failed", httpStatus: 503, spanKind: "Server" }, "UNAVAILABLE.SERVICE_UNAVAILABLE"],
    [{ message: "checkout failed", httpStatus: 504 }, "DEADLINE_EXCEEDED.UPSTREAM_TIMEOUT"],
    [{ message: "", httpStatus: 429 }, "RESOURCE_EXHAUSTED.RATE_LIMITED"],
    [{ message: "", sqlState: "23505" }, "ALREADY_EXISTS.UNIQUE_VIOLATION"],
    [{ message: "write failed", exceptionType: "*json.SyntaxError", language: "go" }, "INVALID_ARGUMENT.DESERIALIZE"],
    [{ message: "", exceptionType: "context.deadlineExceededError", language: "go" }, "DEADLINE_EXCEEDED.CLIENT_TIMEOUT"],
    [{ message: "something odd", logLevel: "dpanic" }, "INTERNAL.PANIC"],
    [{ message: "whatever the text", declaredCode: "NOT_FOUND.NO_ROWS" }, "NOT_FOUND.NO_ROWS"],
    [{ message: "whatever the text", errorType: "RESOURCE_EXHAUSTED.POOL_TIMEOUT" }, "RESOURCE_EXHAUSTED.POOL_TIMEOUT"],
  ];
  it.each(cases)("%j → %s", (signal, code) => {
    expect(matchError(signal).code).toBe(code);
  });

  it("prefers a message pattern over the gRPC code (the refinement is in the text)", () => {
    const m = matchError({ message: "rpc error: code = Unavailable desc = dial tcp 10.0.0.1:50051: connect: connection refused", grpcCode: 14 });
    expect(m).toMatchObject({ code: "UNAVAILABLE.CONNECTION_REFUSED", matchedBy: "message" });
  });

  it("finds the cause in another text of the same error (status message, Rust source chain)", () => {
    const m = matchError({ message: "error sending request for url (http://inventory:8080/stock)", otherTexts: ["tcp connect error: Connection refused (os error 111)"], language: "rust" });
    expect(m.code).toBe("UNAVAILABLE.CONNECTION_REFUSED");
    expect(m.message).toBe("error sending request for url (http://inventory:8080/stock)");
  });

  it("ignores a declared code that is not in the glossary and matches the text instead", () => {
    expect(matchError({ message: "context canceled", declaredCode: "NOT.A_CODE" }).code).toBe("CANCELLED.CLIENT");
  });
});

describe("keyword fallback for generic error texts", () => {
  // Texts of instrumentation nobody here wrote: demo apps and hand-rolled clients that say what
  // failed in plain words. Each falls back to a canonical code instead of UNKNOWN.
  const cases: [string, string][] = [
    ["redis timeout", "DEADLINE_EXCEEDED"], // Jaeger HotROD's simulated redis
    ["upstream call timed out after 3 attempts", "DEADLINE_EXCEEDED"],
    ["cache: connection refused by peer", "UNAVAILABLE"],
    ["payment gateway unavailable", "UNAVAILABLE"],
    ["user 42 not found", "NOT_FOUND"],
    ["rate limit hit for tenant acme", "RESOURCE_EXHAUSTED"],
    ["login rejected: unauthorized", "UNAUTHENTICATED"],
    ["access denied to bucket orders", "PERMISSION_DENIED"],
    ["request cancelled", "CANCELLED"],
    ["invalid token", "UNAUTHENTICATED"],
    ["worker crashed", "INTERNAL"],
  ];
  it.each(cases)("%s → %s", (message, code) => {
    const m = matchError({ message });
    expect(m.code).toBe(code);
    expect(m.matchedBy).toBe("keyword");
  });

  it("takes the keyword nearest the end: wrapped errors put the cause last", () => {
    expect(matchError({ message: "invalid reply from inventory: timeout" }).code).toBe("DEADLINE_EXCEEDED");
    expect(matchError({ message: "timeout budget check: invalid argument order_id" }).code).toBe("INVALID_ARGUMENT");
  });

  it("matches whole words only, and never overrides a real pattern or a status code", () => {
    expect(matchError({ message: "timeoutless retry loop gave up" }).code).toBe("UNKNOWN");
    expect(matchError({ message: "dial tcp 10.0.0.5:5432: connect: connection refused" }).code).toBe("UNAVAILABLE.CONNECTION_REFUSED");
    expect(matchError({ message: "upstream timeout", grpcCode: 14 }).code).toBe("UNAVAILABLE");
    expect(matchError({ message: "call failed", httpStatus: 503, spanKind: "Client" }).code).toBe("UNAVAILABLE.UPSTREAM");
  });

  it("searches the other texts when the primary one says nothing", () => {
    expect(matchError({ message: "GetDriver failed", otherTexts: ["redis timeout"] }).code).toBe("DEADLINE_EXCEEDED");
  });
});

describe("UNKNOWN errors and fingerprints", () => {
  it("gives UNKNOWN with a fingerprint that ignores addresses, ids, numbers and paths", () => {
    const a = matchError({ message: "order 4bf92f3577b34da6a3ce929d0e0e4736 rejected by 10.0.0.5:8080 after 3 attempts (/srv/app/orders.go)" });
    const b = matchError({ message: "order 00f067aa0ba902b7aaaa0000bbbb1111 rejected by 10.1.2.3:9090 after 12 attempts (/srv/other/orders.go)" });
    const c = matchError({ message: "order 4bf92f3577b34da6a3ce929d0e0e4736 accepted by 10.0.0.5:8080 after 3 attempts (/srv/app/orders.go)" });
    expect(a.code).toBe("UNKNOWN");
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(a.retryable).toBe(false);
  });

  it("fingerprints known codes too, so different messages under one code stay apart", () => {
    const a = matchError({ message: "dial tcp 10.0.0.5:5432: connect: connection refused" });
    const b = matchError({ message: "dial tcp 10.9.9.9:6379: connect: connection refused" });
    const c = matchError({ message: "Connection refused (os error 111)" });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it("fingerprints an error without text by its structure", () => {
    const a = matchError({ grpcCode: 2 });
    expect(a.code).toBe("UNKNOWN");
    expect(a.fingerprint).toBe(matchError({ grpcCode: "Unknown" }).fingerprint);
    expect(a.fingerprint).not.toBe(matchError({ grpcCode: 2, httpStatus: 500 }).fingerprint);
  });

  it("caps the stored message", () => {
    const m = matchError({ message: "x".repeat(10_000) });
    expect(m.message.length).toBe(2048);
  });
});
