//! Shared plumbing of the shop's Rust services (payments, inventory): telemetry to Kafka as
//! the OpenTelemetry Collector's Kafka exporter writes it, tracing-subscriber JSON log lines
//! on app_logs, fault injection, the HTTP server with trace-context extraction, and the
//! simulated postgres/redis clients whose failures carry the real library errors.

pub mod config;
pub mod db;
pub mod exporters;
pub mod faults;
pub mod kafka;
pub mod logs;
pub mod server;
pub mod telemetry;
