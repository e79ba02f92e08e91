package dev.cdstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The deployment-frequency topology of cdstream written in Kafka Streams:
 * parse the CloudEvent (structured JSON, or binary with ce_type header),
 * keep dev.cdevents.service.deployed.*, count per service+environment in
 * tumbling windows with grace, emit once when the window closes. EOS v2.
 *
 * Args: bootstrap applicationId inputTopic outputTopic windowMs graceMs threads
 */
public final class DeploymentFrequency {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEPLOYED = "dev.cdevents.service.deployed.";

  /** Event time: CDEvent context.timestamp, else CloudEvents time, else record time. */
  public static final class EventTime implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      JsonNode event = parse((byte[]) record.value());
      if (event == null) return record.timestamp();
      JsonNode data = event.has("specversion") ? event.path("data") : event;
      String at = data.path("context").path("timestamp").asText(event.path("time").asText(""));
      try {
        return at.isEmpty() ? record.timestamp() : Instant.parse(at).toEpochMilli();
      } catch (RuntimeException e) {
        return record.timestamp();
      }
    }
  }

  static JsonNode parse(byte[] value) {
    if (value == null) return null;
    try {
      return JSON.readTree(value);
    } catch (Exception e) {
      return null;
    }
  }

  static String typeOf(Iterable<Header> headers, JsonNode event) {
    if (event.has("specversion")) return event.path("type").asText("");
    for (Header header : headers) {
      if (header.key().equals("ce_type")) return new String(header.value(), StandardCharsets.UTF_8);
    }
    return "";
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String appId = args[1];
    String input = args[2];
    String output = args[3];
    long windowMs = Long.parseLong(args[4]);
    long graceMs = Long.parseLong(args[5]);
    int threads = Integer.parseInt(args[6]);

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/" + appId);
    props.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, EventTime.class);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .process(ParseDeployed::new)
        .groupByKey(Grouped.with("by-service", Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(windowMs), Duration.ofMillis(graceMs)))
        .emitStrategy(EmitStrategy.onWindowClose())
        .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("deployments")
            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
        .toStream()
        .map((window, count) -> KeyValue.pair(window.key(),
            "{\"key\":\"" + window.key() + "\",\"windowStart\":" + window.window().start()
                + ",\"windowEnd\":" + window.window().end() + ",\"count\":" + count + "}"))
        .to(output, Produced.with(Serdes.String(), Serdes.String()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(20));
      done.countDown();
    }));
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.RUNNING) System.out.println("{\"event\":\"running\"}");
      if (now == KafkaStreams.State.ERROR) done.countDown();
    });
    streams.start();
    done.await();
  }

  /** Keeps service.deployed events, re-keyed by service|environment. */
  static final class ParseDeployed
      implements org.apache.kafka.streams.processor.api.Processor<byte[], byte[], String, String> {
    private org.apache.kafka.streams.processor.api.ProcessorContext<String, String> context;

    @Override
    public void init(org.apache.kafka.streams.processor.api.ProcessorContext<String, String> context) {
      this.context = context;
    }

    @Override
    public void process(org.apache.kafka.streams.processor.api.Record<byte[], byte[]> record) {
      JsonNode event = parse(record.value());
      if (event == null || !event.isObject()) return;
      if (!typeOf(record.headers(), event).startsWith(DEPLOYED)) return;
      JsonNode data = event.has("specversion") ? event.path("data") : event;
      JsonNode subject = data.path("subject");
      String service = subject.path("id").asText("");
      String env = subject.path("content").path("environment").path("id").asText("");
      if (service.isEmpty() || env.isEmpty()) return;
      context.forward(record.withKey(service + "|" + env).withValue("1").withHeaders(
          new org.apache.kafka.common.header.internals.RecordHeaders()));
    }
  }
}
