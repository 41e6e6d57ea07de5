//! tracing-subscriber's JSON formatter, as Rust services commonly log, writing every line
//! to stderr and, as one message each, to the app_logs topic. trace_id / span_id are event
//! fields (they land in "fields"), the way services without an OTel log layer add them.

use std::io::Write;
use std::sync::Arc;

use tokio::sync::mpsc;
use tracing_subscriber::fmt::MakeWriter;

use crate::kafka::KafkaSink;

pub enum LineMessage {
    Line(Vec<u8>),
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// MakeWriter: one writer per event; the formatted line is sent when the writer drops.
#[derive(Clone)]
pub struct KafkaLineWriter {
    lines: mpsc::UnboundedSender<LineMessage>,
}

pub struct LineBuffer {
    buffer: Vec<u8>,
    lines: mpsc::UnboundedSender<LineMessage>,
}

impl Write for LineBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineBuffer {
    fn drop(&mut self) {
        if self.buffer.is_empty() {
            return;
        }
        let _ = std::io::stderr().write_all(&self.buffer);
        let line = std::mem::take(&mut self.buffer);
        let trimmed = line.strip_suffix(b"\n").map(<[u8]>::to_vec).unwrap_or(line);
        let _ = self.lines.send(LineMessage::Line(trimmed));
    }
}

impl KafkaLineWriter {
    pub fn sender(&self) -> mpsc::UnboundedSender<LineMessage> {
        self.lines.clone()
    }
}

impl<'a> MakeWriter<'a> for KafkaLineWriter {
    type Writer = LineBuffer;
    fn make_writer(&'a self) -> LineBuffer {
        LineBuffer { buffer: Vec::with_capacity(512), lines: self.lines.clone() }
    }
}

/// The writer and the receiving end; run `forward_lines` on the runtime once Kafka is up.
pub fn line_channel() -> (KafkaLineWriter, mpsc::UnboundedReceiver<LineMessage>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (KafkaLineWriter { lines: tx }, rx)
}

/// Produces the lines in batches of what has queued up; answers Flush after everything
/// queued before it was produced.
pub async fn forward_lines(sink: Arc<KafkaSink>, mut rx: mpsc::UnboundedReceiver<LineMessage>) {
    let topic = sink.config.app_logs_topic.clone();
    while let Some(first) = rx.recv().await {
        let mut batch = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                LineMessage::Line(line) => batch.push(line),
                LineMessage::Flush(done) => flushes.push(done),
            }
            next = if batch.len() < 500 { rx.try_recv().ok() } else { None };
        }
        if let Err(e) = sink.produce(&topic, batch).await {
            eprintln!("app_logs: {e}");
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
