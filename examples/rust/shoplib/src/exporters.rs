//! OpenTelemetry SDK exporters that put OTLP protobuf on Kafka: the SDK's span and metric
//! data go through opentelemetry-proto's own transforms into an ExportTraceServiceRequest /
//! ExportMetricsServiceRequest, encoded with prost, one request per Kafka message.
//!
//! The SDK calls export() from its own background threads, outside the tokio runtime, so
//! the produce runs as a task on the runtime (rskafka is tokio-based) and export awaits it.

use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use prost::Message;
use tokio::runtime::Handle;

use crate::kafka::KafkaSink;

async fn produce_on(runtime: &Handle, sink: &Arc<KafkaSink>, topic: String, payload: Vec<u8>) -> OTelSdkResult {
    let sink = sink.clone();
    runtime
        .spawn(async move { sink.produce(&topic, vec![payload]).await })
        .await
        .map_err(|e| OTelSdkError::InternalFailure(format!("produce task: {e}")))?
        .map_err(OTelSdkError::InternalFailure)
}

/// SpanExporter for the SDK's BatchSpanProcessor.
#[derive(Debug)]
pub struct KafkaSpanExporter {
    sink: Arc<KafkaSink>,
    runtime: Handle,
    resource: ResourceAttributesWithSchema,
}

impl KafkaSpanExporter {
    pub fn new(sink: Arc<KafkaSink>, runtime: Handle) -> Self {
        KafkaSpanExporter { sink, runtime, resource: ResourceAttributesWithSchema::default() }
    }
}

impl SpanExporter for KafkaSpanExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if batch.is_empty() {
            return Ok(());
        }
        let request = ExportTraceServiceRequest { resource_spans: group_spans_by_resource_and_scope(batch, &self.resource) };
        let topic = self.sink.config.spans_topic.clone();
        produce_on(&self.runtime, &self.sink, topic, request.encode_to_vec()).await
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

/// PushMetricExporter for the SDK's PeriodicReader; cumulative temporality, the OTLP default.
pub struct KafkaMetricExporter {
    sink: Arc<KafkaSink>,
    runtime: Handle,
}

impl KafkaMetricExporter {
    pub fn new(sink: Arc<KafkaSink>, runtime: Handle) -> Self {
        KafkaMetricExporter { sink, runtime }
    }
}

impl PushMetricExporter for KafkaMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let request = ExportMetricsServiceRequest::from(metrics);
        let topic = self.sink.config.metrics_topic.clone();
        produce_on(&self.runtime, &self.sink, topic, request.encode_to_vec()).await
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}
