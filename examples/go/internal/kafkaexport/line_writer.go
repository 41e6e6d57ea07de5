package kafkaexport

import (
	"bytes"
	"io"
	"os"
)

// LineWriter is the io.Writer behind the JSON loggers: every Write from slog's JSONHandler
// or zap's JSON encoder is one complete log line, which goes to stderr as usual and, without
// its trailing newline, as one message on the app_logs topic.
type LineWriter struct {
	producer *Producer
	stderr   io.Writer
}

func NewLineWriter(p *Producer) *LineWriter { return &LineWriter{producer: p, stderr: os.Stderr} }

func (w *LineWriter) Write(line []byte) (int, error) {
	n, err := w.stderr.Write(line)
	// The logger reuses its buffer after Write returns, so the message gets its own copy.
	value := bytes.Clone(bytes.TrimRight(line, "\n"))
	if len(value) > 0 {
		w.producer.ProduceAsync(w.producer.Config.AppLogsTopic, value)
	}
	return n, err
}

// Sync lets zap flush; the Kafka side is flushed by Producer.Close.
func (w *LineWriter) Sync() error { return nil }
