//! The simulated stores: postgres for payments, redis for inventory. No server runs; a
//! healthy query takes a millisecond or two. Each query is the CLIENT span an instrumented
//! driver records (db.system, server.address, peer.service, db.query.text), and an injected
//! fault fails it with the error the driver really returns, produced for real where it can
//! be: dialing a closed port, timing out with tokio, waiting on an exhausted pool.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::context::FutureExt;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue};
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;

use crate::server::Shop;

/// Errors as the drivers print them.
#[derive(Debug)]
pub enum DbError {
    /// sqlx::Error::Io, Display "error communicating with database: {io error}".
    PgIo(std::io::Error),
    /// sqlx::Error::RowNotFound.
    PgRowNotFound,
    /// sqlx::Error::PoolTimedOut (sqlx times out its acquire; so does this pool).
    PgPoolTimedOut,
    /// sqlx::Error::Tls wrapping rustls' verifier error. No TLS stack is built into these
    /// examples, so this text is written out: sqlx's prefix and rustls'
    /// `invalid peer certificate: {CertificateError:?}` Display.
    PgTlsCertExpired,
    /// redis-rs prints an I/O error as the io::Error itself.
    RedisIo(std::io::Error),
    /// deadpool's PoolError::Timeout(TimeoutType::Wait).
    RedisPoolTimeout,
    /// tokio::time::timeout around the query.
    Elapsed(tokio::time::error::Elapsed),
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbError::PgIo(e) => write!(f, "error communicating with database: {e}"),
            DbError::PgRowNotFound => f.write_str("no rows returned by a query that expected to return at least one row"),
            DbError::PgPoolTimedOut => f.write_str("pool timed out while waiting for an open connection"),
            DbError::PgTlsCertExpired => f.write_str("error occurred while attempting to establish a TLS connection: invalid peer certificate: Expired"),
            DbError::RedisIo(e) => write!(f, "{e}"),
            DbError::RedisPoolTimeout => f.write_str("Timeout occurred while waiting for a slot to become available"),
            DbError::Elapsed(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DbError {}

impl DbError {
    /// The type name the real library error has (exception.type / error.type).
    pub fn type_name(&self) -> &'static str {
        match self {
            DbError::PgIo(_) | DbError::PgRowNotFound | DbError::PgPoolTimedOut | DbError::PgTlsCertExpired => "sqlx_core::error::Error",
            DbError::RedisIo(_) => "redis::types::RedisError",
            DbError::RedisPoolTimeout => "deadpool::managed::errors::PoolError",
            DbError::Elapsed(_) => "tokio::time::error::Elapsed",
        }
    }
    /// A query that ran out of time (the handler answers 504); pool waits are exhaustion (503).
    pub fn is_timeout(&self) -> bool {
        matches!(self, DbError::Elapsed(_))
    }
    pub fn is_pool_exhausted(&self) -> bool {
        matches!(self, DbError::PgPoolTimedOut | DbError::RedisPoolTimeout)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StoreKind {
    Postgres,
    Redis,
}

pub struct Store {
    shop: Arc<Shop>,
    kind: StoreKind,
    host: String,
    port: i64,
    namespace: String,
    /// A pool whose connections are all checked out: acquiring waits until the timeout.
    exhausted_pool: Semaphore,
}

impl Store {
    pub fn new(shop: Arc<Shop>, kind: StoreKind, namespace: &str) -> Store {
        let (host, port) = shop.store_addr.rsplit_once(':').map(|(h, p)| (h.to_string(), p.parse().unwrap_or(0))).unwrap_or_default();
        Store { shop, kind, host, port, namespace: namespace.to_string(), exhausted_pool: Semaphore::new(0) }
    }

    fn peer(&self) -> &'static str {
        match self.kind {
            StoreKind::Postgres => "postgres",
            StoreKind::Redis => "redis",
        }
    }

    /// Runs one statement as a CLIENT span: operation ("SELECT", "DECRBY"), collection
    /// ("accounts", "stock"), the query text.
    pub async fn query(&self, operation: &str, collection: &str, text: &str) -> Result<(), DbError> {
        let tracer = global::tracer("shoplib");
        let (system, name) = match self.kind {
            StoreKind::Postgres => ("postgresql", format!("{operation} {}.{collection}", self.namespace)),
            StoreKind::Redis => ("redis", operation.to_string()),
        };
        let span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("db.system", system),
                KeyValue::new("db.system.name", system),
                KeyValue::new("db.namespace", self.namespace.clone()),
                KeyValue::new("db.operation.name", operation.to_string()),
                KeyValue::new("db.collection.name", collection.to_string()),
                KeyValue::new("db.query.text", text.to_string()),
                KeyValue::new("db.statement", text.to_string()),
                KeyValue::new("server.address", self.host.clone()),
                KeyValue::new("server.port", self.port),
                KeyValue::new("peer.service", self.peer()),
            ])
            .start_with_context(&tracer, &Context::current());
        let cx = Context::current_with_span(span);
        let result = self.run().with_context(cx.clone()).await;
        let span = cx.span();
        if let Err(e) = &result {
            span.add_event(
                "exception",
                vec![KeyValue::new("exception.type", e.type_name()), KeyValue::new("exception.message", e.to_string())],
            );
            span.set_attribute(KeyValue::new("error.type", e.type_name()));
            span.set_status(Status::error(e.to_string()));
        }
        span.end();
        result
    }

    async fn run(&self) -> Result<(), DbError> {
        let injection = self.shop.faults.decide(self.peer());
        if !injection.latency.is_zero() {
            tokio::time::sleep(injection.latency).await;
        }
        let budget = self.shop.config.db_timeout;
        let postgres = self.kind == StoreKind::Postgres;
        match injection.kind.as_str() {
            "connection_refused" => match tokio::net::TcpStream::connect(&self.shop.store_addr).await {
                Err(e) if postgres => Err(DbError::PgIo(e)),
                Err(e) => Err(DbError::RedisIo(e)),
                Ok(_) => Ok(()), // something listens there after all: nothing to inject
            },
            "timeout" => {
                // The server accepts and never answers; the query's timeout fires.
                let hang = async {
                    let mut socket = tokio::net::TcpStream::connect(&self.shop.failure.blackhole_addr).await?;
                    let mut buffer = [0u8; 1];
                    socket.read(&mut buffer).await
                };
                match tokio::time::timeout(budget, hang).await {
                    Err(elapsed) => Err(DbError::Elapsed(elapsed)),
                    Ok(_) => Ok(()),
                }
            }
            "pool_exhausted" => match tokio::time::timeout(budget, self.exhausted_pool.acquire()).await {
                Err(_) if postgres => Err(DbError::PgPoolTimedOut),
                Err(_) => Err(DbError::RedisPoolTimeout),
                Ok(_) => Ok(()),
            },
            "no_rows" if postgres => Err(DbError::PgRowNotFound),
            "tls_cert_expired" if postgres => Err(DbError::PgTlsCertExpired),
            _ => {
                tokio::time::sleep(Duration::from_micros(500 + fastrand::u64(0..2000))).await;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DbError;

    #[tokio::test]
    async fn errors_print_as_the_drivers_print_them() {
        // A real refused connection: nothing listens on a port that was just released.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let refused = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap_err();
        assert_eq!(DbError::PgIo(refused).to_string(), "error communicating with database: Connection refused (os error 111)");
        let elapsed = tokio::time::timeout(std::time::Duration::from_millis(1), std::future::pending::<()>()).await.unwrap_err();
        assert_eq!(DbError::Elapsed(elapsed).to_string(), "deadline has elapsed");
        assert_eq!(DbError::PgPoolTimedOut.to_string(), "pool timed out while waiting for an open connection");
        assert_eq!(DbError::PgRowNotFound.to_string(), "no rows returned by a query that expected to return at least one row");
    }
}
