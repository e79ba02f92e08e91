package dev.cdstream.bench.pipeline;

import dev.cdstream.bench.pipeline.Event.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * cdstream's default topology in Kafka Streams, EOS v2: ingest (parse,
 * validate against the CDEvents schema, dead-letter the rest), repartition by
 * artifact, join against the artifact table built from the same stream,
 * repartition by service/environment, windowed counts with grace emitted
 * when each window closes.
 *
 * <pre>
 *   input ─► ingest ─┬─► dead letters
 *                    └─► by-artifact ─┬─► artifacts (KTable) ─┐
 *                                     └──────── left join ◄───┘ ─┬─► enriched
 *                                                                └─► by-service ─► windows ─► metrics
 * </pre>
 *
 * Args: bootstrap applicationId input deadLetter enriched metrics partitions
 *       threads graceMs cdeventsSpecDir cloudEventSchemasDir window...
 *       where each window is name=sizeMs/advanceMs.
 */
public final class DoraPipeline {
  public record Window(String name, long sizeMs, long advanceMs) {
    static Window parse(String text) {
      String[] nameRest = text.split("=", 2);
      String[] sizes = nameRest[1].split("/");
      return new Window(nameRest[0], Long.parseLong(sizes[0]), Long.parseLong(sizes[1]));
    }
  }

  public record Topics(String input, String deadLetter, String enriched, String metrics, int partitions) {}

  public static Topology topology(Topics topics, Schemas schemas, long graceMs, List<Window> windows) {
    Serde<String> strings = Serdes.String();
    Serde<Event> events = Event.serde();
    CloudEvents cloudEvents = new CloudEvents(schemas);
    StreamsBuilder builder = new StreamsBuilder();

    Map<String, KStream<String, Event>> ingested = builder
        .stream(topics.input(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("input"))
        .process(() -> new Ingest(cloudEvents), Named.as("ingest"))
        .split(Named.as("ingest-"))
        .branch((key, event) -> event.kind() == Kind.REJECTED, Branched.as("rejected"))
        .defaultBranch(Branched.as("valid"));
    ingested.get("ingest-rejected")
        .mapValues(Event::json, Named.as("dead-letter-value"))
        .to(topics.deadLetter(), Produced.with(strings, Serdes.ByteArray()).withName("dead-letters"));

    KStream<String, Event> byArtifact = ingested.get("ingest-valid").repartition(
        Repartitioned.<String, Event>as("by-artifact").withKeySerde(strings).withValueSerde(events)
            .withNumberOfPartitions(topics.partitions()));
    // added before the join, so the table has each event before the event itself is joined
    KTable<String, ArtifactInfo> artifacts = byArtifact
        .filter((artifact, event) -> ArtifactInfo.informs(event), Named.as("artifact-facts"))
        .groupByKey(Grouped.with(strings, events))
        .aggregate(ArtifactInfo::empty, (artifact, event, info) -> info.with(event),
            Named.as("artifact-table"),
            Materialized.<String, ArtifactInfo, KeyValueStore<Bytes, byte[]>>as("artifacts")
                .withKeySerde(strings).withValueSerde(ArtifactInfo.serde()));
    KStream<String, Event> enriched = byArtifact
        .leftJoin(artifacts, ArtifactInfo::enrich, Joined.with(strings, events, ArtifactInfo.serde()).withName("join"))
        .mapValues(Extensions::added, Named.as("extensions"))
        .selectKey((artifact, event) -> event.outputKey(), Named.as("by-service-key"));
    enriched.mapValues(Event::json, Named.as("enriched-value"))
        .to(topics.enriched(), Produced.with(strings, Serdes.ByteArray()).withName("enriched"));

    KGroupedStream<String, Event> byService = enriched
        .repartition(Repartitioned.<String, Event>as("by-service").withKeySerde(strings)
            .withValueSerde(events).withNumberOfPartitions(topics.partitions()))
        .filter((key, event) -> event.hasPlace(), Named.as("placed"))
        .groupByKey(Grouped.with(strings, events));
    for (Window window : windows) {
      String store = window.name().replaceAll("[^A-Za-z0-9]", "-");
      byService
          .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(window.sizeMs()), Duration.ofMillis(graceMs))
              .advanceBy(Duration.ofMillis(window.advanceMs())))
          .emitStrategy(EmitStrategy.onWindowClose())
          .aggregate(WindowCounts::empty, (key, event, counts) -> counts.add(event),
              Named.as("aggregate-" + store),
              Materialized.<String, WindowCounts, WindowStore<Bytes, byte[]>>as("window-" + store)
                  .withKeySerde(strings).withValueSerde(WindowCounts.serde()))
          .toStream(Named.as("closed-" + store))
          .map((key, counts) -> KeyValue.pair(key.key(),
              counts.toJson(key.key(), window.name(), key.window().start(), key.window().end())),
              Named.as("metrics-" + store))
          .to(topics.metrics(), Produced.with(strings, strings).withName("metrics-out-" + store));
    }
    return builder.build();
  }

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String appId = args[1];
    Topics topics = new Topics(args[2], args[3], args[4], args[5], Integer.parseInt(args[6]));
    int threads = Integer.parseInt(args[7]);
    long graceMs = Long.parseLong(args[8]);
    Schemas schemas = new Schemas(Path.of(args[9]), Path.of(args[10]));
    List<Window> windows = new ArrayList<>();
    for (int i = 11; i < args.length; i++) windows.add(Window.parse(args[i]));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, System.getProperty("java.io.tmpdir") + "/" + appId);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    KafkaStreams streams = new KafkaStreams(topology(topics, schemas, graceMs, windows), props);
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
}
