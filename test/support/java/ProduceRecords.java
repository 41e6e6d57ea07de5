// A producer that is the Apache Kafka Java client itself (kafka-clients from the jars the set-up
// fetches), so tests read what the reference client writes, not what a library here writes.
// Run as a single-file program (Java 17+):
//
//   java -cp '.braid/kafka/libs/*' test/support/java/ProduceRecords.java BROKERS TOPIC DIR
//
// DIR holds one folder per compression.type (none, gzip, snappy, lz4, zstd); each file in it is
// one record value, sent in file-name order by a producer with that compression, lingering so
// several records share one compressed batch. Prints "<compression> <records acknowledged>".
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class ProduceRecords {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) throw new IllegalArgumentException("usage: ProduceRecords BROKERS TOPIC DIR");
    List<Path> codecDirs;
    try (Stream<Path> dirs = Files.list(Path.of(args[2]))) {
      codecDirs = dirs.filter(Files::isDirectory).sorted().toList();
    }
    for (Path dir : codecDirs) {
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
      props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, dir.getFileName().toString());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.LINGER_MS_CONFIG, "50");
      props.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(1 << 20));
      props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 << 20));
      props.put(ProducerConfig.CLIENT_ID_CONFIG, "braid-test-java-" + dir.getFileName());
      List<Path> files;
      try (Stream<Path> list = Files.list(dir)) {
        files = list.sorted().toList();
      }
      int acknowledged = 0;
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        List<Future<RecordMetadata>> sent = new java.util.ArrayList<>();
        for (Path file : files) sent.add(producer.send(new ProducerRecord<>(args[1], Files.readAllBytes(file))));
        producer.flush();
        for (Future<RecordMetadata> result : sent) {
          result.get();
          acknowledged++;
        }
      }
      System.out.println(dir.getFileName() + " " + acknowledged);
    }
  }
}
