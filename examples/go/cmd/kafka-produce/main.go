// Command kafka-produce sends files as Kafka records through the example services' franz-go
// producer (internal/kafkaexport), once per compression codec, so Braid's tests can read what
// franz-go writes for each codec (the OpenTelemetry Collector's Kafka exporter uses the same client).
//
//	kafka-produce -brokers 127.0.0.1:9092 -topic TOPIC -dir DIR
//
// DIR holds one folder per codec (none, gzip, snappy, lz4, zstd); each file in it is one record
// value; they are sent concurrently, so they share compressed batches. Prints "<codec> <records acknowledged>" per folder.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/braid/examples/internal/kafkaexport"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:9092", "comma-separated bootstrap brokers")
	topic := flag.String("topic", "", "topic to produce to")
	dir := flag.String("dir", "", "folder with one sub-folder of record files per codec")
	flag.Parse()
	if *topic == "" || *dir == "" {
		fmt.Fprintln(os.Stderr, "usage: kafka-produce -brokers HOSTS -topic TOPIC -dir DIR")
		os.Exit(2)
	}
	codecs, err := os.ReadDir(*dir)
	if err != nil {
		fail(err)
	}
	for _, entry := range codecs {
		if !entry.IsDir() {
			continue
		}
		n, err := produceFolder(*brokers, *topic, entry.Name(), filepath.Join(*dir, entry.Name()))
		if err != nil {
			fail(err)
		}
		fmt.Printf("%s %d\n", entry.Name(), n)
	}
}

func produceFolder(brokers, topic, compression, folder string) (int, error) {
	cfg := kafkaexport.ConfigFromEnv("braid-test-franz-go-" + compression)
	cfg.Brokers = strings.Split(brokers, ",")
	cfg.Compression = compression
	producer, err := kafkaexport.NewProducer(cfg)
	if err != nil {
		return 0, err
	}
	files, err := os.ReadDir(folder)
	if err != nil {
		return 0, err
	}
	names := make([]string, 0, len(files))
	for _, file := range files {
		names = append(names, file.Name())
	}
	sort.Strings(names)
	// Sent without waiting for each acknowledgement, so records share compressed batches.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, len(names))
	for _, name := range names {
		value, err := os.ReadFile(filepath.Join(folder, name))
		if err != nil {
			return 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- producer.ProduceSync(ctx, topic, value)
		}()
	}
	wg.Wait()
	close(errs)
	acknowledged := 0
	for err := range errs {
		if err != nil {
			return acknowledged, err
		}
		acknowledged++
	}
	return acknowledged, producer.Close(ctx)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "kafka-produce:", err)
	os.Exit(1)
}
