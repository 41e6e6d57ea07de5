//! Sets up a Rust shop service's telemetry: the OpenTelemetry SDK's tracer and meter
//! providers exporting OTLP protobuf to Kafka, the W3C trace-context propagator,
//! tracing-subscriber JSON logs to stderr and app_logs, and a panic hook that records panics
//! on the current span.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{global, Context, KeyValue};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tokio::runtime::Handle;
use tokio::sync::mpsc;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::config::Config;
use crate::exporters::{KafkaMetricExporter, KafkaSpanExporter};
use crate::kafka::KafkaSink;
use crate::logs::{forward_lines, line_channel, LineMessage};

pub struct Telemetry {
    pub tracer_provider: SdkTracerProvider,
    pub meter_provider: SdkMeterProvider,
    pub sink: Arc<KafkaSink>,
    lines: mpsc::UnboundedSender<LineMessage>,
}

/// The current span's ids as 32/16 lowercase hex, or empty strings outside a span.
pub fn current_ids() -> (String, String) {
    let cx = Context::current();
    let span_context = cx.span().span_context().clone();
    if span_context.is_valid() {
        (span_context.trace_id().to_string(), span_context.span_id().to_string())
    } else {
        (String::new(), String::new())
    }
}

pub async fn init(config: &Config) -> Result<Telemetry, String> {
    let (writer, lines_rx) = line_channel();
    let level: tracing::Level = config.log_level.parse().map_err(|_| format!("bad --log-level {:?}", config.log_level))?;
    // The service's own events at the chosen level; libraries (rskafka logs every
    // connection at INFO, and its lines would be produced by rskafka again) at WARN.
    let filter = Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("shoplib", level)
        .with_target(config.service.as_str(), level);
    let json_lines = tracing_subscriber::fmt::layer()
        .json()
        .with_writer(writer.clone())
        .with_current_span(true)
        .with_span_list(true)
        .with_target(true)
        .with_file(true)
        .with_line_number(true)
        .with_thread_names(true)
        .with_filter(filter);
    tracing_subscriber::registry().with(json_lines).init();
    let lines = writer_sender(&writer);

    let sink = KafkaSink::connect(config.kafka.clone()).await?;
    tokio::spawn(forward_lines(sink.clone(), lines_rx));

    let hostname = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    // Resource::builder() runs the SDK's detectors: telemetry.sdk.{name,language,version}.
    let resource = Resource::builder()
        .with_service_name(config.service.clone())
        .with_attributes([
            KeyValue::new("service.namespace", "shop"),
            KeyValue::new("service.version", std::env::var("SHOP_SERVICE_VERSION").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string())),
            KeyValue::new("service.instance.id", format!("{hostname}-{}", std::process::id())),
            KeyValue::new("deployment.environment.name", "demo"),
            KeyValue::new("host.name", hostname),
            KeyValue::new("process.pid", std::process::id() as i64),
        ])
        .build();

    let runtime = Handle::current();
    let span_processor = BatchSpanProcessor::builder(KafkaSpanExporter::new(sink.clone(), runtime.clone()))
        .with_batch_config(BatchConfigBuilder::default().with_scheduled_delay(Duration::from_secs(1)).build())
        .build();
    let tracer_provider = SdkTracerProvider::builder().with_resource(resource.clone()).with_span_processor(span_processor).build();
    global::set_tracer_provider(tracer_provider.clone());
    global::set_text_map_propagator(TraceContextPropagator::new());

    let reader = PeriodicReader::builder(KafkaMetricExporter::new(sink.clone(), runtime))
        .with_interval(config.metrics_interval)
        .build();
    let meter_provider = SdkMeterProvider::builder().with_resource(resource).with_reader(reader).build();
    global::set_meter_provider(meter_provider.clone());

    install_panic_hook();
    Ok(Telemetry { tracer_provider, meter_provider, sink, lines })
}

fn writer_sender(writer: &crate::logs::KafkaLineWriter) -> mpsc::UnboundedSender<LineMessage> {
    writer.sender()
}

impl Telemetry {
    /// Flushes spans and metrics (the SDK blocks, so off the async threads), then log lines.
    pub async fn shutdown(self) {
        let tracer_provider = self.tracer_provider;
        let meter_provider = self.meter_provider;
        let _ = tokio::task::spawn_blocking(move || {
            if let Err(e) = tracer_provider.shutdown() {
                eprintln!("tracer provider shutdown: {e}");
            }
            if let Err(e) = meter_provider.shutdown() {
                eprintln!("meter provider shutdown: {e}");
            }
        })
        .await;
        let (done, flushed) = tokio::sync::oneshot::channel();
        if self.lines.send(LineMessage::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), flushed).await;
        }
    }
}

/// Keeps the default hook's stderr report ("thread '…' panicked at …"), and also records the
/// panic on the span current on the panicking thread (the request's, see server::handle):
/// an "exception" event with message and stack, status Error, and an error log line.
pub fn install_panic_hook() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        let thread = std::thread::current();
        let thread_name = thread.name().unwrap_or("<unnamed>");
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_default();
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_string()
        };
        let report = format!("thread '{thread_name}' panicked at {location}:\n{message}");
        let backtrace = std::backtrace::Backtrace::force_capture().to_string();
        let cx = Context::current();
        let span = cx.span();
        if span.span_context().is_valid() {
            span.add_event(
                "exception",
                vec![
                    KeyValue::new("exception.type", "panic"),
                    KeyValue::new("exception.message", message.clone()),
                    KeyValue::new("exception.stacktrace", format!("{report}\nstack backtrace:\n{backtrace}")),
                    KeyValue::new("exception.escaped", true),
                ],
            );
            span.set_attribute(KeyValue::new("error.type", "panic"));
            span.set_status(Status::error(report.clone()));
        }
        let (trace_id, span_id) = current_ids();
        tracing::error!(trace_id = %trace_id, span_id = %span_id, panic = %report, backtrace = %backtrace, "request handler panicked");
    }));
}
