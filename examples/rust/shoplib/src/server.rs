//! The HTTP side of a Rust shop service (axum): W3C trace-context extraction into a SERVER
//! span, request metrics, service-level faults, panic capture, error recording, the admin
//! endpoints, and graceful shutdown.

use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use opentelemetry::context::FutureExt;
use opentelemetry::metrics::{Counter, Histogram, ObservableGauge};
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue};
use serde::Serialize;
use tracing::Instrument;

use crate::config::Config;
use crate::faults::FaultRegistry;
use crate::telemetry::{current_ids, Telemetry};

/// Loopback endpoints that make injected failures real: a port where nothing listens and a
/// listener that accepts and never answers.
#[derive(Debug)]
pub struct FailurePeers {
    pub closed_addr: String,
    pub blackhole_addr: String,
}

impl FailurePeers {
    pub async fn start() -> std::io::Result<FailurePeers> {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")?;
        let closed_addr = closed.local_addr()?.to_string();
        drop(closed);
        let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let blackhole_addr = blackhole.local_addr()?.to_string();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = blackhole.accept().await {
                held.push(socket); // never read, never answered
            }
        });
        Ok(FailurePeers { closed_addr, blackhole_addr })
    }
}

struct HttpMetrics {
    requests: Counter<u64>,
    duration: Histogram<f64>,
    /// The semantic-conventions HTTP server metric, as instrumentation libraries export it
    /// (otelhttp does in the Go services), so RED can be read from metrics as well as spans.
    server_duration: Histogram<f64>,
    in_flight: Arc<AtomicI64>,
    _in_flight_gauge: ObservableGauge<i64>,
}

/// One running Rust shop service.
pub struct Shop {
    pub config: Config,
    pub faults: Arc<FaultRegistry>,
    pub failure: FailurePeers,
    /// Where the simulated store lives: --postgres-addr/--redis-addr, else the closed port.
    pub store_addr: String,
    metrics: HttpMetrics,
}

impl Shop {
    pub async fn new(config: Config) -> Result<Arc<Shop>, String> {
        let faults = FaultRegistry::new(&config.service);
        faults.add(config.faults.clone()).map_err(|e| format!("--faults: {e}"))?;
        let failure = FailurePeers::start().await.map_err(|e| format!("failure peers: {e}"))?;
        let store_addr = config.store_addr.clone().unwrap_or_else(|| failure.closed_addr.clone());
        let meter = global::meter("shoplib");
        let in_flight = Arc::new(AtomicI64::new(0));
        let observed = in_flight.clone();
        let metrics = HttpMetrics {
            requests: meter.u64_counter("shop.requests").with_unit("{request}").with_description("Requests handled, by route and status code.").build(),
            duration: meter
                .f64_histogram("shop.request.duration")
                .with_unit("s")
                .with_description("Time to handle a request.")
                .with_boundaries(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0])
                .build(),
            server_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(vec![0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0])
                .build(),
            in_flight,
            _in_flight_gauge: meter
                .i64_observable_gauge("shop.requests.in_flight")
                .with_unit("{request}")
                .with_description("Requests being handled at collection time.")
                .with_callback(move |observer| observer.observe(observed.load(Ordering::Relaxed), &[]))
                .build(),
        };
        Ok(Arc::new(Shop { config, faults, failure, store_addr, metrics }))
    }

    /// Injects this service's own faults into one request; runs inside the request task.
    async fn apply_service_faults(&self) -> Result<(), Failure> {
        let injection = self.faults.decide("");
        if !injection.latency.is_zero() {
            tokio::time::sleep(injection.latency).await;
        }
        match injection.kind.as_str() {
            "panic" => {
                // A real bug: "index out of bounds: the len is 0 but the index is N".
                let reserved: Vec<u64> = Vec::new();
                let index = std::env::args().len() + 2;
                let _ = reserved[index];
                Ok(())
            }
            "timeout" => {
                // The handler's own work outlives its budget: a real tokio Elapsed.
                let budget = self.config.db_timeout;
                match tokio::time::timeout(budget, tokio::time::sleep(budget * 10)).await {
                    Err(elapsed) => Err(Failure::new(StatusCode::GATEWAY_TIMEOUT, &elapsed, "tokio::time::error::Elapsed")),
                    Ok(()) => Ok(()),
                }
            }
            // The text of tower's load-shed error (tower::load_shed::error::Overloaded).
            "http_5xx" => Err(Failure::message(StatusCode::SERVICE_UNAVAILABLE, "service overloaded", "tower::load_shed::error::Overloaded")),
            _ => Ok(()),
        }
    }
}

/// A failed request: the status, the error text and its type name.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
    pub error_type: String,
}

impl Failure {
    pub fn new(status: StatusCode, error: &dyn std::error::Error, error_type: &str) -> Failure {
        Failure { status, message: error.to_string(), error_type: error_type.to_string() }
    }
    pub fn message(status: StatusCode, message: &str, error_type: &str) -> Failure {
        Failure { status, message: message.to_string(), error_type: error_type.to_string() }
    }
}

/// Records err on the current span as instrumented code does: an "exception" event
/// (exception.type, exception.message), status Error with the message, error.type.
pub fn record_error(message: &str, error_type: &str) {
    let cx = Context::current();
    let span = cx.span();
    span.add_event(
        "exception",
        vec![KeyValue::new("exception.type", error_type.to_string()), KeyValue::new("exception.message", message.to_string())],
    );
    span.set_attribute(KeyValue::new("error.type", error_type.to_string()));
    span.set_status(Status::error(message.to_string()));
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// Middleware: SERVER span as a child of the caller's traceparent, a tracing span for the
/// JSON log lines, and the request metrics.
async fn observe(State(shop): State<Arc<Shop>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_else(|| request.uri().path().to_string());
    let parent = global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(request.headers())));
    let tracer = global::tracer("shoplib");
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let span = tracer
        .span_builder(format!("{method} {route}"))
        .with_kind(SpanKind::Server)
        .with_attributes([
            KeyValue::new("http.request.method", method.clone()),
            KeyValue::new("http.route", route.clone()),
            KeyValue::new("url.path", request.uri().path().to_string()),
            KeyValue::new("url.scheme", "http"),
            KeyValue::new("server.address", shop.config.listen.clone()),
            KeyValue::new("network.protocol.version", "1.1"),
            KeyValue::new("client.address", peer),
        ])
        .start_with_context(&tracer, &parent);
    let cx = parent.with_span(span);
    // The service name rides on the request span, so every line logged in it ("span",
    // "spans") says which service wrote it.
    let log_span = tracing::info_span!("request", service = %shop.config.service, method = %method, route = %route);

    shop.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let response = next.run(request).instrument(log_span).with_context(cx.clone()).await;
    shop.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);

    let status = response.status().as_u16();
    let span = cx.span();
    span.set_attribute(KeyValue::new("http.response.status_code", status as i64));
    if status >= 500 && response.extensions().get::<ErrorRecorded>().is_none() {
        span.set_attribute(KeyValue::new("error.type", status.to_string()));
        span.set_status(Status::error(""));
    }
    span.end();
    let mut attributes = vec![
        KeyValue::new("http.route", route),
        KeyValue::new("http.request.method", method),
        KeyValue::new("http.response.status_code", status as i64),
    ];
    if status >= 500 {
        attributes.push(KeyValue::new("error.type", status.to_string()));
    }
    shop.metrics.requests.add(1, &attributes);
    let elapsed = started.elapsed().as_secs_f64();
    shop.metrics.duration.record(elapsed, &attributes);
    attributes.push(KeyValue::new("url.scheme", "http"));
    attributes.push(KeyValue::new("network.protocol.version", "1.1"));
    shop.metrics.server_duration.record(elapsed, &attributes);
    response
}

#[derive(Clone)]
struct ErrorRecorded;

fn failure_response(failure: Failure, route: &str) -> Response {
    let (trace_id, span_id) = current_ids();
    tracing::error!(
        trace_id = %trace_id, span_id = %span_id, error = %failure.message,
        http.route = route, http.response.status_code = failure.status.as_u16(),
        "request failed"
    );
    let mut response = (failure.status, Json(serde_json::json!({ "error": failure.message }))).into_response();
    response.extensions_mut().insert(ErrorRecorded);
    response
}

/// Runs one request's work as its own task (so a panic is caught, as a real server's task
/// would be) with service faults applied first; failures are recorded and answered as JSON.
pub async fn handle<T, Fut>(shop: Arc<Shop>, route: &'static str, work: Fut) -> Response
where
    T: Serialize + Send + 'static,
    Fut: Future<Output = Result<T, Failure>> + Send + 'static,
{
    let started = Instant::now();
    let cx = Context::current();
    let task_shop = shop.clone();
    let task = tokio::spawn(
        async move {
            task_shop.apply_service_faults().await?;
            work.await
        }
        .in_current_span()
        .with_context(cx),
    );
    match task.await {
        Ok(Ok(value)) => {
            let (trace_id, span_id) = current_ids();
            tracing::info!(
                trace_id = %trace_id, span_id = %span_id, http.route = route, http.response.status_code = 200u16,
                duration_ms = started.elapsed().as_millis() as u64, "request handled"
            );
            Json(value).into_response()
        }
        Ok(Err(failure)) => {
            record_error(&failure.message, &failure.error_type);
            failure_response(failure, route)
        }
        Err(join_error) => {
            // The panic hook already recorded the exception on the span and logged it.
            let message = if join_error.is_panic() { "internal server error: request handler panicked" } else { "request cancelled" };
            let mut response = (StatusCode::INTERNAL_SERVER_ERROR, Json(serde_json::json!({ "error": message }))).into_response();
            response.extensions_mut().insert(ErrorRecorded);
            response
        }
    }
}

/// Serves app routes (plus /admin/faults and /healthz) until SIGINT/SIGTERM, then flushes telemetry.
pub async fn serve(shop: Arc<Shop>, app: Router, telemetry: Telemetry) -> Result<(), String> {
    let admin = Router::new()
        .route("/admin/faults", get(crate::faults::admin_list).post(crate::faults::admin_add).delete(crate::faults::admin_clear))
        .with_state(shop.faults.clone())
        .route("/healthz", get(|| async { "ok\n" }));
    let router = app.route_layer(middleware::from_fn_with_state(shop.clone(), observe)).merge(admin);
    let listener = tokio::net::TcpListener::bind(&shop.config.listen).await.map_err(|e| format!("listen on {}: {e}", shop.config.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    // Printed for the runner, which waits for it.
    println!("listening on {bound}");
    tracing::info!(service = %shop.config.service, listen = %bound, store = %shop.store_addr, "service started");
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(service = %shop.config.service, "shutting down");
    tokio::time::sleep(Duration::from_millis(50)).await;
    telemetry.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
