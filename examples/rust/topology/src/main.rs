//! topology (Rust): plays services of a topology file (examples/topologies, handed over as JSON
//! by the runner) with the OpenTelemetry Rust SDK. One process serves any number of services on
//! one HTTP listener, routed by Host header; each service has tracer and meter providers and a
//! resource of its own. Calls to other services are real HTTP (hyper-util's client) carrying W3C
//! trace context, calls to databases are the CLIENT spans their drivers record, and messages
//! between services go through real Kafka topics with the trace context in the headers.
//!
//!   topology play --topology T.json --services a,b --urls '{"c":"http://127.0.0.1:P"}' --listen 127.0.0.1:0

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry::context::FutureExt;
use opentelemetry::metrics::{Counter, Histogram, MeterProvider};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use rskafka::client::partition::OffsetAt;
use rskafka::record::Record;
use serde::Deserialize;
use shoplib::config::parse_duration;
use shoplib::exporters::{KafkaMetricExporter, KafkaSpanExporter};
use shoplib::faults::{parse_specs, FaultRegistry};
use shoplib::kafka::{KafkaConfig, KafkaSink};
use shoplib::logs::{forward_lines, line_channel};
use tokio::io::AsyncReadExt;
use tokio::runtime::Handle;
use tracing::Instrument;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

// ---------------------------------------------------------------- the topology file (JSON)

#[derive(Deserialize, Clone)]
struct Topology {
    name: String,
    #[serde(default)]
    databases: HashMap<String, Database>,
    services: HashMap<String, Service>,
}

#[derive(Deserialize, Clone)]
struct Database {
    system: String,
    latency_ms: Latency,
}

#[derive(Deserialize, Clone, Copy)]
struct Latency {
    median: f64,
    p95: f64,
}

impl Latency {
    /// Log-normal between median and p95.
    fn sample(&self) -> Duration {
        if self.median <= 0.0 {
            return Duration::ZERO;
        }
        let sigma = if self.p95 > self.median { (self.p95 / self.median).ln() / 1.6449 } else { 0.0 };
        // Box–Muller: one standard normal draw.
        let (u1, u2) = (fastrand::f64().max(f64::MIN_POSITIVE), fastrand::f64());
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        Duration::from_secs_f64(self.median * (sigma * z).exp() / 1000.0)
    }
}

#[derive(Deserialize, Clone)]
struct Service {
    language: String,
    version: String,
    #[serde(default)]
    operations: HashMap<String, Operation>,
    #[serde(default)]
    consumers: HashMap<String, Consumer>,
}

#[derive(Deserialize, Clone)]
struct Operation {
    latency_ms: Latency,
    #[serde(default)]
    calls: Vec<Step>,
}

#[derive(Deserialize, Clone)]
struct Consumer {
    operation: String,
    latency_ms: Latency,
    #[serde(default)]
    calls: Vec<Step>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum Step {
    Parallel { parallel: Vec<Call> },
    Call(Call),
}

#[derive(Deserialize, Clone, Default)]
struct Call {
    service: Option<String>,
    operation: Option<String>,
    timeout_ms: Option<u64>,
    retries: Option<u32>,
    probability: Option<f64>,
    database: Option<String>,
    publish: Option<String>,
}

// ---------------------------------------------------------------- a failed operation

#[derive(Debug)]
struct Failure {
    status: StatusCode,
    message: String,
    error_type: String,
}

impl Failure {
    fn new(status: StatusCode, message: impl Into<String>, error_type: &str) -> Failure {
        Failure { status, message: message.into(), error_type: error_type.to_string() }
    }
}

/// An error and its sources, as `{:#}` of anyhow prints them: "outer: inner: innermost".
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let next = inner.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = inner.source();
    }
    text
}

fn record_error(cx: &Context, message: &str, error_type: &str) {
    let span = cx.span();
    span.add_event("exception", vec![KeyValue::new("exception.type", error_type.to_string()), KeyValue::new("exception.message", message.to_string())]);
    span.set_attribute(KeyValue::new("error.type", error_type.to_string()));
    span.set_status(Status::error(message.to_string()));
}

// ---------------------------------------------------------------- trace context carriers

struct HeaderExtractor<'a>(&'a HeaderMap);
impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

struct MapCarrier<'a>(&'a mut BTreeMap<String, Vec<u8>>);
impl Injector for MapCarrier<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value.into_bytes());
    }
}
struct MapExtractor<'a>(&'a BTreeMap<String, Vec<u8>>);
impl Extractor for MapExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| std::str::from_utf8(v).ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

// ---------------------------------------------------------------- the player

/// One played service; a restart replaces it whole.
struct Played {
    name: String,
    spec: Service,
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    tracer: SdkTracer,
    faults: Arc<FaultRegistry>,
    requests: Counter<u64>,
    duration: Histogram<f64>,
}

/// Loopback endpoints that make injected failures real.
struct FailurePeers {
    closed: String,
    blackhole: String,
    reset: String,
    unavailable: String,
}

struct Player {
    topology: Topology,
    namespace: String,
    services: RwLock<HashMap<String, Arc<Played>>>,
    urls: HashMap<String, String>,
    sink: Arc<KafkaSink>,
    runtime: Handle,
    client: Client<HttpConnector, Empty<Bytes>>,
    peers: FailurePeers,
    prefix: String,
    metrics_interval: Duration,
    db_timeout: Duration,
    propagator: TraceContextPropagator,
}

impl Player {
    fn new_played(&self, name: &str, spec: &Service, version: &str, faults: Arc<FaultRegistry>) -> Arc<Played> {
        let hostname = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
        let resource = Resource::builder()
            .with_service_name(name.to_string())
            .with_attributes([
                KeyValue::new("service.namespace", self.namespace.clone()),
                KeyValue::new("service.version", version.to_string()),
                KeyValue::new("service.instance.id", format!("{hostname}-{}-{name}", std::process::id())),
                KeyValue::new("deployment.environment.name", "demo"),
                KeyValue::new("host.name", hostname),
                KeyValue::new("process.pid", std::process::id() as i64),
            ])
            .build();
        let processor = BatchSpanProcessor::builder(KafkaSpanExporter::new(self.sink.clone(), self.runtime.clone()))
            .with_batch_config(BatchConfigBuilder::default().with_scheduled_delay(Duration::from_secs(1)).build())
            .build();
        let tracer_provider = SdkTracerProvider::builder().with_resource(resource.clone()).with_span_processor(processor).build();
        let reader = PeriodicReader::builder(KafkaMetricExporter::new(self.sink.clone(), self.runtime.clone())).with_interval(self.metrics_interval).build();
        let meter_provider = SdkMeterProvider::builder().with_resource(resource).with_reader(reader).build();
        let meter = meter_provider.meter("topology");
        Arc::new(Played {
            name: name.to_string(),
            spec: spec.clone(),
            tracer: tracer_provider.tracer("topology"),
            requests: meter.u64_counter("topology.requests").with_unit("{request}").build(),
            duration: meter.f64_histogram("topology.request.duration").with_unit("s").with_boundaries(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]).build(),
            tracer_provider,
            meter_provider,
            faults,
        })
    }

    fn service(&self, name: &str) -> Option<Arc<Played>> {
        self.services.read().unwrap().get(name).cloned()
    }

    fn topic_name(&self, topic: &str) -> String {
        format!("{}{topic}", self.prefix)
    }
}

type Shared = Arc<Player>;

/// Serves one operation under its SERVER span, routed by Host header and "METHOD /path".
async fn serve(State(player): State<Shared>, request: Request) -> Response {
    let started = Instant::now();
    let host = request.headers().get("host").and_then(|v| v.to_str().ok()).unwrap_or("").split(':').next().unwrap_or("").to_string();
    let Some(svc) = player.service(&host) else {
        return (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": format!("no service {host:?} here") }))).into_response();
    };
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let op_name = format!("{method} {path}");
    let Some(operation) = svc.spec.operations.get(&op_name).cloned() else {
        return (StatusCode::NOT_FOUND, Json(serde_json::json!({ "error": format!("{host} has no operation {op_name}") }))).into_response();
    };
    let parent = player.propagator.extract(&HeaderExtractor(request.headers()));
    let span = svc
        .tracer
        .span_builder(op_name.clone())
        .with_kind(SpanKind::Server)
        .with_attributes([
            KeyValue::new("http.request.method", method.clone()),
            KeyValue::new("http.route", path.clone()),
            KeyValue::new("url.path", path.clone()),
            KeyValue::new("url.scheme", "http"),
            KeyValue::new("server.address", host.clone()),
            KeyValue::new("network.protocol.version", "1.1"),
        ])
        .start_with_context(&svc.tracer, &parent);
    let cx = parent.with_span(span);
    let log_span = tracing::info_span!("request", service = %svc.name, method = %method, route = %path);
    let task_player = player.clone();
    let task_svc = svc.clone();
    let task_cx = cx.clone();
    let task = tokio::spawn(
        async move { execute(&task_player, &task_svc, &task_cx, operation.latency_ms, &operation.calls).await }.instrument(log_span).with_context(cx.clone()),
    );
    let (status, body) = match task.await {
        Ok(Ok(())) => (StatusCode::OK, serde_json::json!({ "status": "ok" })),
        Ok(Err(failure)) => {
            record_error(&cx, &failure.message, &failure.error_type);
            let (trace_id, span_id) = ids(&cx);
            tracing::error!(service = %svc.name, trace_id = %trace_id, span_id = %span_id, error = %failure.message, http.route = %path, "request failed");
            (failure.status, serde_json::json!({ "error": failure.message }))
        }
        // The panic hook recorded the exception on the span (current in the task) and logged it.
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({ "error": "internal server error: request handler panicked" })),
    };
    let span = cx.span();
    span.set_attribute(KeyValue::new("http.response.status_code", status.as_u16() as i64));
    if status.is_server_error() {
        span.set_status(Status::error(""));
    }
    span.end();
    let attributes = [KeyValue::new("http.route", path), KeyValue::new("http.response.status_code", status.as_u16() as i64)];
    svc.requests.add(1, &attributes);
    svc.duration.record(started.elapsed().as_secs_f64(), &attributes);
    (status, Json(body)).into_response()
}

fn ids(cx: &Context) -> (String, String) {
    let sc = cx.span().span_context().clone();
    (sc.trace_id().to_string(), sc.span_id().to_string())
}

/// Own faults, own work, then the steps in order (parallel steps at once).
async fn execute(player: &Shared, svc: &Arc<Played>, cx: &Context, own: Latency, steps: &[Step]) -> Result<(), Failure> {
    let injection = svc.faults.decide("");
    if !injection.latency.is_zero() {
        tokio::time::sleep(injection.latency).await;
    }
    match injection.kind.as_str() {
        "panic" => {
            // A real bug: "index out of bounds: the len is 0 but the index is N".
            let seats: Vec<u64> = Vec::new();
            let index = std::env::args().len() + 2;
            let _ = seats[index];
        }
        "timeout" => {
            if let Err(elapsed) = tokio::time::timeout(Duration::from_millis(500), tokio::time::sleep(Duration::from_secs(10))).await {
                return Err(Failure::new(StatusCode::GATEWAY_TIMEOUT, elapsed.to_string(), "tokio::time::error::Elapsed"));
            }
        }
        "http_5xx" => return Err(Failure::new(StatusCode::SERVICE_UNAVAILABLE, "service overloaded", "tower::load_shed::error::Overloaded")),
        _ => {}
    }
    tokio::time::sleep(own.sample()).await;
    for step in steps {
        match step {
            Step::Call(call) => call_one(player, svc, cx, call).await?,
            Step::Parallel { parallel } => {
                let mut set = tokio::task::JoinSet::new();
                for call in parallel.clone() {
                    let (player, svc, cx2) = (player.clone(), svc.clone(), cx.clone());
                    set.spawn(async move { call_one(&player, &svc, &cx2, &call).await }.with_context(cx.clone()));
                }
                let mut first: Option<Failure> = None;
                while let Some(joined) = set.join_next().await {
                    let result = joined.unwrap_or_else(|e| Err(Failure::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), "tokio::task::JoinError")));
                    if let Err(failure) = result {
                        first.get_or_insert(failure);
                    }
                }
                if let Some(failure) = first {
                    return Err(failure);
                }
            }
        }
    }
    Ok(())
}

async fn call_one(player: &Shared, svc: &Arc<Played>, cx: &Context, call: &Call) -> Result<(), Failure> {
    if let Some(p) = call.probability {
        if p < 1.0 && fastrand::f64() >= p {
            return Ok(());
        }
    }
    if let Some(service) = &call.service {
        call_service(player, svc, cx, service, call).await
    } else if let Some(database) = &call.database {
        call_database(player, svc, cx, database, call.operation.as_deref().unwrap_or("query")).await
    } else if let Some(topic) = &call.publish {
        publish(player, svc, cx, topic).await
    } else {
        Ok(())
    }
}

/// Calls a service with retries on 5xx and transport errors; each attempt is a CLIENT span.
async fn call_service(player: &Shared, svc: &Arc<Played>, cx: &Context, callee: &str, call: &Call) -> Result<(), Failure> {
    let timeout = Duration::from_millis(call.timeout_ms.unwrap_or(2000));
    let attempts = 1 + call.retries.unwrap_or(0);
    let mut last = None;
    for attempt in 0..attempts {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
        }
        match attempt_call(player, svc, cx, callee, call.operation.as_deref().unwrap_or("GET /"), timeout).await {
            Ok(()) => return Ok(()),
            Err(failure) if failure.status.is_client_error() => return Err(failure),
            Err(failure) => last = Some(failure),
        }
    }
    Err(last.unwrap())
}

async fn attempt_call(player: &Shared, svc: &Arc<Played>, cx: &Context, callee: &str, operation: &str, timeout: Duration) -> Result<(), Failure> {
    let (method, path) = operation.split_once(' ').unwrap_or(("GET", operation));
    let injection = svc.faults.decide(callee);
    let mut host = callee.to_string();
    let base = match injection.kind.as_str() {
        "connection_refused" => format!("http://{}", player.peers.closed),
        "timeout" => format!("http://{}", player.peers.blackhole),
        "http_5xx" => format!("http://{}", player.peers.unavailable),
        "connection_reset" => format!("http://{}", player.peers.reset),
        "dns" => {
            host = format!("{callee}.braid-example.invalid");
            format!("http://{host}")
        }
        _ => player.urls.get(callee).cloned().unwrap_or_default(),
    };
    let url = format!("{base}{path}");
    let span = svc
        .tracer
        .span_builder(format!("{method} {path}"))
        .with_kind(SpanKind::Client)
        .with_attributes([
            KeyValue::new("http.request.method", method.to_string()),
            KeyValue::new("url.full", url.clone()),
            KeyValue::new("server.address", host.clone()),
            KeyValue::new("peer.service", callee.to_string()),
        ])
        .start_with_context(&svc.tracer, cx);
    let call_cx = cx.with_span(span);
    let result = async {
        if !injection.latency.is_zero() {
            tokio::time::sleep(injection.latency).await;
        }
        if injection.kind == "tls_cert_expired" {
            // No TLS stack is built into these examples: hyper-rustls' handshake error, written out.
            return Err(Failure::new(StatusCode::BAD_GATEWAY, format!("call {callee}: client error (Connect): invalid peer certificate: Expired"), "hyper_util::client::legacy::Error"));
        }
        let mut request = hyper::Request::builder().method(method).uri(&url).header("host", host.as_str());
        let mut headers = BTreeMap::new();
        player.propagator.inject_context(&call_cx, &mut MapCarrier(&mut headers));
        for (key, value) in &headers {
            request = request.header(key.as_str(), value.as_slice());
        }
        let request = request.body(Empty::<Bytes>::new()).map_err(|e| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), "http::Error"))?;
        match tokio::time::timeout(timeout, player.client.request(request)).await {
            Err(elapsed) => Err(Failure::new(StatusCode::GATEWAY_TIMEOUT, format!("call {callee}: {elapsed}"), "tokio::time::error::Elapsed")),
            Ok(Err(e)) => Err(Failure::new(StatusCode::BAD_GATEWAY, format!("call {callee}: {}", chain(&e)), "hyper_util::client::legacy::Error")),
            Ok(Ok(response)) => {
                let status = response.status();
                let _ = response.into_body().collect().await;
                call_cx.span().set_attribute(KeyValue::new("http.response.status_code", status.as_u16() as i64));
                if status.as_u16() >= 300 {
                    let mapped = match status.as_u16() {
                        504 => StatusCode::GATEWAY_TIMEOUT,
                        s if s >= 500 => StatusCode::BAD_GATEWAY,
                        _ => status,
                    };
                    let reason = status.canonical_reason().unwrap_or("");
                    return Err(Failure::new(mapped, format!("call {callee}: {callee} replied {} {reason}", status.as_u16()), &status.as_u16().to_string()));
                }
                Ok(())
            }
        }
    }
    .await;
    if let Err(failure) = &result {
        record_error(&call_cx, &failure.message, &failure.error_type);
    }
    call_cx.span().end();
    result
}

fn default_port(system: &str) -> i64 {
    match system {
        "mysql" => 3306,
        "postgresql" => 5432,
        "mongodb" => 27017,
        "redis" => 6379,
        "cassandra" => 9042,
        _ => 9200,
    }
}

/// The CLIENT span a driver records for one statement; faults fail it with the driver's error.
async fn call_database(player: &Shared, svc: &Arc<Played>, cx: &Context, name: &str, operation: &str) -> Result<(), Failure> {
    let Some(db) = player.topology.databases.get(name) else {
        return Err(Failure::new(StatusCode::INTERNAL_SERVER_ERROR, format!("no database {name}"), "config"));
    };
    let (op, collection) = operation.split_once(' ').unwrap_or((operation, ""));
    let span = svc
        .tracer
        .span_builder(format!("{operation} {name}"))
        .with_kind(SpanKind::Client)
        .with_attributes([
            KeyValue::new("db.system", db.system.clone()),
            KeyValue::new("db.system.name", db.system.clone()),
            KeyValue::new("db.namespace", name.to_string()),
            KeyValue::new("db.operation.name", op.to_string()),
            KeyValue::new("db.collection.name", collection.to_string()),
            KeyValue::new("db.query.text", operation.to_string()),
            KeyValue::new("server.address", name.to_string()),
            KeyValue::new("server.port", default_port(&db.system)),
            KeyValue::new("peer.service", name.to_string()),
        ])
        .start_with_context(&svc.tracer, cx);
    let db_cx = cx.with_span(span);
    let result = statement(player, svc, name, db).await;
    if let Err(failure) = &result {
        record_error(&db_cx, &failure.message, &failure.error_type);
    }
    db_cx.span().end();
    result.map_err(|f| Failure { message: format!("{operation} on {name}: {}", f.message), ..f })
}

async fn statement(player: &Shared, svc: &Arc<Played>, name: &str, db: &Database) -> Result<(), Failure> {
    let sql = db.system == "mysql" || db.system == "postgresql";
    let (driver_type, wrap): (&str, fn(String) -> String) = match db.system.as_str() {
        "mysql" | "postgresql" => ("sqlx_core::error::Error", |e| format!("error communicating with database: {e}")),
        "mongodb" => ("mongodb::error::Error", |e| format!("Kind: I/O error: {e}, labels: {{}}")),
        _ => ("redis::types::RedisError", |e| e),
    };
    let injection = svc.faults.decide(name);
    if !injection.latency.is_zero() {
        tokio::time::sleep(injection.latency).await;
    }
    let io = |e: std::io::Error| Failure::new(StatusCode::INTERNAL_SERVER_ERROR, wrap(e.to_string()), driver_type);
    match injection.kind.as_str() {
        "connection_refused" => {
            tokio::net::TcpStream::connect(&player.peers.closed).await.map_err(io)?;
            Ok(())
        }
        "connection_reset" => {
            let mut stream = tokio::net::TcpStream::connect(&player.peers.reset).await.map_err(io)?;
            tokio::io::AsyncWriteExt::write_all(&mut stream, b"PING\r\n").await.map_err(io)?;
            let mut byte = [0u8; 1];
            match stream.read(&mut byte).await {
                Err(e) => Err(io(e)),
                Ok(_) => Err(io(std::io::Error::from(std::io::ErrorKind::ConnectionReset))),
            }
        }
        "dns" => {
            let _ = tokio::net::lookup_host(format!("{name}.braid-example.invalid:{}", default_port(&db.system))).await.map_err(io)?.count();
            Ok(())
        }
        "timeout" => match tokio::time::timeout(player.db_timeout, tokio::time::sleep(player.db_timeout * 10)).await {
            Err(elapsed) => Err(Failure::new(StatusCode::GATEWAY_TIMEOUT, elapsed.to_string(), "tokio::time::error::Elapsed")),
            Ok(()) => Ok(()),
        },
        "pool_exhausted" => {
            tokio::time::sleep(player.db_timeout).await;
            Err(if sql {
                Failure::new(StatusCode::SERVICE_UNAVAILABLE, "pool timed out while waiting for an open connection", driver_type)
            } else {
                Failure::new(StatusCode::SERVICE_UNAVAILABLE, "Timeout occurred while waiting for a slot to become available", "deadpool::managed::errors::PoolError")
            })
        }
        "no_rows" => Err(Failure::new(StatusCode::NOT_FOUND, "no rows returned by a query that expected to return at least one row", driver_type)),
        "tls_cert_expired" => Err(Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "error occurred while attempting to establish a TLS connection: invalid peer certificate: Expired",
            driver_type,
        )),
        _ => {
            tokio::time::sleep(db.latency_ms.sample()).await;
            Ok(())
        }
    }
}

fn messaging_attributes(topic: &str, operation: &str, broker: &str) -> Vec<KeyValue> {
    let (host, port) = broker.split_once(':').unwrap_or((broker, ""));
    vec![
        KeyValue::new("messaging.system", "kafka"),
        KeyValue::new("messaging.destination.name", topic.to_string()),
        KeyValue::new("messaging.operation.type", operation.to_string()),
        KeyValue::new("messaging.operation.name", operation.to_string()),
        KeyValue::new("server.address", host.to_string()),
        KeyValue::new("server.port", port.to_string()),
    ]
}

/// Produces one message under a PRODUCER span, the trace context in the record headers.
async fn publish(player: &Shared, svc: &Arc<Played>, cx: &Context, topic: &str) -> Result<(), Failure> {
    let broker = player.sink.config.brokers.first().cloned().unwrap_or_default();
    let span = svc.tracer.span_builder(format!("send {topic}")).with_kind(SpanKind::Producer).with_attributes(messaging_attributes(topic, "send", &broker)).start_with_context(&svc.tracer, cx);
    let send_cx = cx.with_span(span);
    let mut headers = BTreeMap::new();
    player.propagator.inject_context(&send_cx, &mut MapCarrier(&mut headers));
    let value = serde_json::json!({ "from": svc.name, "at": chrono::Utc::now().to_rfc3339() }).to_string().into_bytes();
    let record = Record { key: None, value: Some(value), headers, timestamp: chrono::Utc::now() };
    let result = player.sink.produce_records(&player.topic_name(topic), vec![record]).await.map_err(|e| Failure::new(StatusCode::BAD_GATEWAY, format!("publish to {topic}: {e}"), "rskafka::client::error::Error"));
    if let Err(failure) = &result {
        record_error(&send_cx, &failure.message, &failure.error_type);
    }
    send_cx.span().end();
    result
}

/// Processes a topic's messages for one service from the end of each partition, each message
/// under a CONSUMER span whose parent is the producer's context.
async fn consume(player: Shared, service: String, topic: String, consumer: Consumer) {
    let full = player.topic_name(&topic);
    let partitions = loop {
        match player.sink.partitions(&full).await {
            Ok(p) => break p,
            Err(e) => {
                eprintln!("consumer {service}/{topic}: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    let mut tasks = Vec::new();
    for index in 0..partitions.len() {
        let partitions = partitions.clone();
        let (player, service, topic, consumer) = (player.clone(), service.clone(), topic.clone(), consumer.clone());
        tasks.push(tokio::spawn(async move {
            let partition = &partitions[index];
            let mut offset = partition.get_offset(OffsetAt::Latest).await.unwrap_or(0);
            loop {
                match partition.fetch_records(offset, 1..1_000_000, 500).await {
                    Ok((records, _high)) => {
                        for record in records {
                            offset = offset.max(record.offset + 1);
                            process(&player, &service, &topic, index as i64, &consumer, record.offset, record.record).await;
                        }
                    }
                    Err(e) => {
                        eprintln!("consumer {service}/{topic}: {e}");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
}

async fn process(player: &Shared, service: &str, topic: &str, partition: i64, consumer: &Consumer, offset: i64, record: Record) {
    let Some(svc) = player.service(service) else { return };
    let started = Instant::now();
    let parent = player.propagator.extract(&MapExtractor(&record.headers));
    let broker = player.sink.config.brokers.first().cloned().unwrap_or_default();
    let mut attributes = messaging_attributes(topic, "process", &broker);
    attributes.push(KeyValue::new("messaging.consumer.group.name", player.topic_name(service)));
    attributes.push(KeyValue::new("messaging.destination.partition.id", partition.to_string()));
    attributes.push(KeyValue::new("messaging.kafka.offset", offset));
    let span = svc.tracer.span_builder(consumer.operation.clone()).with_kind(SpanKind::Consumer).with_attributes(attributes).start_with_context(&svc.tracer, &parent);
    let cx = parent.with_span(span);
    let log_span = tracing::info_span!("message", service = %svc.name, topic = %topic);
    let (task_player, task_svc, task_cx, task_consumer) = (player.clone(), svc.clone(), cx.clone(), consumer.clone());
    let task = tokio::spawn(async move { execute(&task_player, &task_svc, &task_cx, task_consumer.latency_ms, &task_consumer.calls).await }.instrument(log_span).with_context(cx.clone()));
    let outcome = match task.await {
        Ok(Ok(())) => "ok",
        Ok(Err(failure)) => {
            record_error(&cx, &failure.message, &failure.error_type);
            let (trace_id, span_id) = ids(&cx);
            tracing::error!(service = %svc.name, trace_id = %trace_id, span_id = %span_id, error = %failure.message, "message processing failed");
            "error"
        }
        Err(_) => "error",
    };
    cx.span().end();
    let attributes = [KeyValue::new("messaging.destination.name", topic.to_string()), KeyValue::new("outcome", outcome)];
    svc.requests.add(1, &attributes);
    svc.duration.record(started.elapsed().as_secs_f64(), &attributes);
}

// ---------------------------------------------------------------- admin

async fn admin_list(State(player): State<Shared>) -> Response {
    let services = player.services.read().unwrap();
    let faults: serde_json::Map<String, serde_json::Value> = services.iter().map(|(name, s)| (name.clone(), serde_json::to_value(s.faults.list()).unwrap_or_default())).collect();
    Json(serde_json::json!({ "faults": faults })).into_response()
}

async fn admin_add(State(player): State<Shared>, body: String) -> Response {
    let specs = match parse_specs(&body) {
        Ok(specs) if !specs.is_empty() => specs,
        Ok(_) => return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": "no fault in body" }))).into_response(),
        Err(e) => return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": e }))).into_response(),
    };
    let mut added = Vec::new();
    for spec in specs {
        let Some(svc) = player.service(&spec.service) else {
            return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": format!("no service {:?} here", spec.service) }))).into_response();
        };
        match svc.faults.add(vec![spec]) {
            Ok(mut a) => added.append(&mut a),
            Err(e) => return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": e }))).into_response(),
        }
    }
    Json(serde_json::json!({ "added": added })).into_response()
}

async fn admin_clear(State(player): State<Shared>) -> Response {
    for svc in player.services.read().unwrap().values() {
        svc.faults.clear();
    }
    Json(serde_json::json!({ "faults": {} })).into_response()
}

#[derive(Deserialize)]
struct RestartBody {
    service: String,
    version: String,
    #[serde(default)]
    faults: serde_json::Value,
}

/// Restarts one service under a new version: new providers (so a new service.version), the given
/// faults from now; the old providers are flushed.
async fn admin_restart(State(player): State<Shared>, Json(body): Json<RestartBody>) -> Response {
    let Some(old) = player.service(&body.service) else {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": format!("no service {:?} here", body.service) }))).into_response();
    };
    let faults = FaultRegistry::new(&body.service);
    let text = if body.faults.is_null() { String::new() } else { body.faults.to_string() };
    if let Err(e) = parse_specs(&text).and_then(|specs| faults.add(specs)) {
        return (StatusCode::BAD_REQUEST, Json(serde_json::json!({ "error": e }))).into_response();
    }
    let fresh = player.new_played(&old.name, &old.spec, &body.version, faults.clone());
    player.services.write().unwrap().insert(body.service.clone(), fresh);
    let _ = tokio::task::spawn_blocking(move || {
        let _ = old.tracer_provider.shutdown();
        let _ = old.meter_provider.shutdown();
    })
    .await;
    Json(serde_json::json!({ "service": body.service, "version": body.version, "at": rfc3339(SystemTime::now()), "faults": faults.list() })).into_response()
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

// ---------------------------------------------------------------- start-up

async fn failure_peers() -> std::io::Result<FailurePeers> {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?;
    let closed_addr = closed.local_addr()?.to_string();
    drop(closed);
    let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let blackhole_addr = blackhole.local_addr()?.to_string();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = blackhole.accept().await {
            held.push(socket);
        }
    });
    let reset = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let reset_addr = reset.local_addr()?.to_string();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = reset.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = tokio::time::timeout(Duration::from_secs(1), socket.read(&mut buffer)).await;
                // SO_LINGER 0: closing sends RST, the client reads "connection reset by peer".
                #[allow(deprecated)]
                let _ = socket.set_linger(Some(Duration::ZERO));
                drop(socket);
            });
        }
    });
    let unavailable = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let unavailable_addr = unavailable.local_addr()?.to_string();
    let proxy = Router::new().fallback(|| async { (StatusCode::SERVICE_UNAVAILABLE, "no healthy upstream") });
    tokio::spawn(async move {
        let _ = axum::serve(unavailable, proxy).await;
    });
    Ok(FailurePeers { closed: closed_addr, blackhole: blackhole_addr, reset: reset_addr, unavailable: unavailable_addr })
}

struct Args {
    topology: String,
    services: Vec<String>,
    urls: HashMap<String, String>,
    listen: String,
    prefix: String,
    metrics_interval: Duration,
    log_level: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("play") {
        return Err("usage: topology play --topology T.json [--services a,b] [--urls JSON] [--listen ADDR] [--message-topic-prefix P]".into());
    }
    let mut out = Args { topology: String::new(), services: Vec::new(), urls: HashMap::new(), listen: "127.0.0.1:0".into(), prefix: String::new(), metrics_interval: Duration::from_secs(10), log_level: "info".into() };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.trim_start_matches('-') {
            "topology" => out.topology = value,
            "services" => out.services = value.split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
            "urls" => out.urls = serde_json::from_str(&value).map_err(|e| format!("--urls: {e}"))?,
            "listen" => out.listen = value,
            "message-topic-prefix" => out.prefix = value,
            "metrics-interval" => out.metrics_interval = parse_duration(&value)?,
            "log-level" => out.log_level = value,
            other => return Err(format!("unknown flag --{other}")),
        }
    }
    if out.topology.is_empty() {
        return Err("--topology is required".into());
    }
    Ok(out)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("topology: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let args = parse_args()?;
    let text = std::fs::read_to_string(&args.topology).map_err(|e| format!("{}: {e}", args.topology))?;
    let topology: Topology = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", args.topology))?;
    let services: Vec<String> = if args.services.is_empty() {
        topology.services.iter().filter(|(_, s)| s.language == "rust").map(|(n, _)| n.clone()).collect()
    } else {
        args.services.clone()
    };

    // Logs: tracing-subscriber JSON lines to stderr and app_logs; the request span names the service.
    let (writer, lines_rx) = line_channel();
    let level: tracing::Level = args.log_level.parse().map_err(|_| format!("bad --log-level {:?}", args.log_level))?;
    let filter = Targets::new().with_default(tracing::Level::WARN).with_target("topology", level).with_target("shoplib", level);
    let json_lines = tracing_subscriber::fmt::layer().json().with_writer(writer).with_current_span(true).with_span_list(true).with_target(true).with_file(true).with_line_number(true).with_thread_names(true).with_filter(filter);
    tracing_subscriber::registry().with(json_lines).init();

    let env = |key: &str, default: &str| std::env::var(key).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string());
    let kafka = KafkaConfig {
        brokers: env("BRAID_KAFKA_BROKERS", "127.0.0.1:9092").split(',').map(str::to_string).collect(),
        spans_topic: env("BRAID_TOPIC_SPANS", "otlp_spans"),
        metrics_topic: env("BRAID_TOPIC_METRICS", "otlp_metrics"),
        logs_topic: env("BRAID_TOPIC_LOGS", "otlp_logs"),
        app_logs_topic: env("BRAID_TOPIC_APP_LOGS", "app_logs"),
        client_id: "topology".into(),
    };
    let sink = KafkaSink::connect(kafka).await?;
    tokio::spawn(forward_lines(sink.clone(), lines_rx));
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    shoplib::telemetry::install_panic_hook();

    let listener = tokio::net::TcpListener::bind(&args.listen).await.map_err(|e| format!("listen on {}: {e}", args.listen))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let mut urls = args.urls.clone();
    for name in &services {
        urls.insert(name.clone(), format!("http://{bound}"));
    }
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let player = Arc::new(Player {
        namespace: topology.name.clone(),
        topology: topology.clone(),
        services: RwLock::new(HashMap::new()),
        urls,
        sink,
        runtime: Handle::current(),
        client: Client::builder(TokioExecutor::new()).pool_max_idle_per_host(256).build(connector),
        peers: failure_peers().await.map_err(|e| format!("failure peers: {e}"))?,
        prefix: args.prefix.clone(),
        metrics_interval: args.metrics_interval,
        db_timeout: Duration::from_millis(300),
        propagator: TraceContextPropagator::new(),
    });
    for name in &services {
        let spec = topology.services.get(name).ok_or_else(|| format!("topology {} has no service {name:?}", topology.name))?;
        let played = player.new_played(name, spec, &spec.version, FaultRegistry::new(name));
        player.services.write().unwrap().insert(name.clone(), played);
        for (topic, consumer) in &spec.consumers {
            tokio::spawn(consume(player.clone(), name.clone(), topic.clone(), consumer.clone()));
        }
    }

    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/admin/faults", get(admin_list).post(admin_add).delete(admin_clear))
        .route("/admin/restart", post(admin_restart))
        .fallback(serve)
        .with_state(player.clone());
    println!("listening on {bound} playing {} services", services.len());
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await.map_err(|e| e.to_string())?;

    // Flush every service's telemetry (the SDK blocks, so off the async threads), then the log lines.
    let all: Vec<Arc<Played>> = player.services.read().unwrap().values().cloned().collect();
    let _ = tokio::task::spawn_blocking(move || {
        for played in all {
            let _ = played.tracer_provider.shutdown();
            let _ = played.meter_provider.shutdown();
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
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
