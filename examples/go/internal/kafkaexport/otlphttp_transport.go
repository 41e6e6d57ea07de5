package kafkaexport

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// OTLPTransport is an http.RoundTripper for the SDK's OTLP/HTTP metric and log exporters
// (otlpmetrichttp, otlploghttp with WithHTTPClient). Their transform from SDK data to the
// OTLP protos is internal to those modules; by taking over the transport, every
// ExportMetricsServiceRequest / ExportLogsServiceRequest body they encode goes to Kafka
// byte for byte, one request per message, without a network hop.
type OTLPTransport struct{ producer *Producer }

func NewOTLPTransport(p *Producer) *OTLPTransport { return &OTLPTransport{producer: p} }

func (t *OTLPTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var topic string
	switch {
	case strings.HasSuffix(req.URL.Path, "/v1/metrics"):
		topic = t.producer.Config.MetricsTopic
	case strings.HasSuffix(req.URL.Path, "/v1/logs"):
		topic = t.producer.Config.LogsTopic
	default:
		return reply(req, http.StatusNotFound, fmt.Sprintf("no Kafka topic for OTLP path %s", req.URL.Path)), nil
	}
	if enc := req.Header.Get("Content-Encoding"); enc != "" {
		// The exporters are configured without compression; a compressed body would reach
		// consumers as an unreadable message.
		return reply(req, http.StatusBadRequest, "compressed OTLP bodies are not supported: "+enc), nil
	}
	body, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read OTLP body: %w", err)
	}
	if err := t.producer.ProduceSync(req.Context(), topic, body); err != nil {
		// 503 makes the exporter retry with its own backoff, as it would against a collector.
		return reply(req, http.StatusServiceUnavailable, err.Error()), nil
	}
	return reply(req, http.StatusOK, ""), nil
}

// reply builds the response a collector would send: an empty (fully successful) Export*ServiceResponse.
func reply(req *http.Request, status int, message string) *http.Response {
	header := http.Header{}
	contentType := "application/x-protobuf"
	if message != "" {
		contentType = "text/plain"
	}
	header.Set("Content-Type", contentType)
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewBufferString(message)),
		ContentLength: int64(len(message)),
		Request:       req,
	}
}
