// Command topology plays services of a topology file with the OpenTelemetry Go SDK, or drives
// load into its entrypoints.
//
//	topology play --topology T.json --services a,b --urls '{"a":"http://127.0.0.1:P",...}' --listen 127.0.0.1:0
//	topology load --topology T.json --target http://127.0.0.1:P --rps 20 --duration 90s
//
// play serves every named service on one listener (routed by Host header), each with SDK
// providers and a resource of its own; telemetry goes to Kafka as the shop's services send it
// (BRAID_KAFKA_BROKERS, BRAID_TOPIC_*). load prints a JSON summary when done.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/braid/examples/internal/kafkaexport"
	"github.com/braid/examples/internal/topology"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: topology play|load [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "play":
		err = play(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (play or load)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "topology: %v\n", err)
		os.Exit(1)
	}
}

func play(args []string) error {
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	file := fs.String("topology", "", "topology JSON file")
	services := fs.String("services", "", "services to play, comma separated (default: every Go service)")
	urls := fs.String("urls", "{}", "JSON map: service → base URL of the process playing it")
	listen := fs.String("listen", "127.0.0.1:0", "address to serve on")
	prefix := fs.String("message-topic-prefix", "", "prefix of the Kafka topics between services")
	metricsInterval := fs.Duration("metrics-interval", 10*time.Second, "metric export interval")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	topo, err := topology.Load(*file)
	if err != nil {
		return err
	}
	var names []string
	if *services != "" {
		names = strings.Split(*services, ",")
	} else {
		for name, s := range topo.Services {
			if s.Language == "go" {
				names = append(names, name)
			}
		}
	}
	addresses := map[string]string{}
	if err := json.Unmarshal([]byte(*urls), &addresses); err != nil {
		return fmt.Errorf("--urls: %w", err)
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	self := "http://" + listener.Addr().String()
	for _, name := range names {
		addresses[name] = self
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(*logLevel))
	player, err := topology.New(context.Background(), topology.Options{
		Topology: topo, Services: names, URLs: addresses, Kafka: kafkaexport.ConfigFromEnv("topology"),
		MessageTopicPrefix: *prefix, MetricsInterval: *metricsInterval, LogLevel: level,
	})
	if err != nil {
		return err
	}
	server := &http.Server{Handler: player.Handler(), ReadHeaderTimeout: 5 * time.Second}
	// Printed for the runner, which waits for it.
	fmt.Fprintf(os.Stdout, "listening on %s playing %d services\n", listener.Addr(), len(names))
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(listener) }()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-serveErr:
		return err
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = server.Shutdown(ctx)
	return player.Shutdown(ctx)
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	file := fs.String("topology", "", "topology JSON file")
	target := fs.String("target", "", "base URL of the process playing the entrypoints")
	rps := fs.Float64("rps", 10, "requests per second")
	duration := fs.Duration("duration", 30*time.Second, "how long to send")
	timeout := fs.Duration("timeout", 5*time.Second, "per-request timeout")
	if err := fs.Parse(args); err != nil {
		return err
	}
	topo, err := topology.Load(*file)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer cancel()
	summary := topology.Drive(ctx, topo, *target, *rps, *duration, *timeout)
	return json.NewEncoder(os.Stdout).Encode(summary)
}
