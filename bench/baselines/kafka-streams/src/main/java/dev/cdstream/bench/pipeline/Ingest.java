package dev.cdstream.bench.pipeline;

import dev.cdstream.bench.pipeline.CloudEvents.Rejected;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Stage 1: every input record becomes a validated event keyed by its
 * artifact, with its event time as the record timestamp (so the windows
 * downstream are in event time), or a REJECTED event bound for the dead-letter
 * topic with cdstream's error headers.
 */
public final class Ingest implements Processor<byte[], byte[], String, Event> {
  private static final String STRUCTURED = "application/cloudevents+json; charset=utf-8";
  private final CloudEvents cloudEvents;
  private ProcessorContext<String, Event> context;

  public Ingest(CloudEvents cloudEvents) {
    this.cloudEvents = cloudEvents;
  }

  @Override
  public void init(ProcessorContext<String, Event> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    try {
      CloudEvents.Decoded decoded = cloudEvents.decode(record.value(), record.headers(), record.timestamp());
      Event event = Facts.of(decoded, key != null ? key : decoded.event().path("source").asText());
      Headers headers = new RecordHeaders().add("content-type", STRUCTURED.getBytes(StandardCharsets.UTF_8));
      context.forward(new Record<>(event.artifactKey(), event, event.eventTime(), headers));
    } catch (Rejected rejected) {
      Headers headers = record.headers();
      header(headers, "cdstream-error-code", rejected.code);
      header(headers, "cdstream-error", rejected.getMessage());
      context.recordMetadata().ifPresent(source -> addSource(headers, source));
      header(headers, "cdstream-failed-at", Instant.now().toString());
      byte[] value = record.value() == null ? new byte[0] : record.value();
      context.forward(record.withKey(key)
          .withValue(new Event(Event.Kind.REJECTED, record.timestamp(), null, null, null, -1, value)));
    }
  }

  private static void addSource(Headers headers, RecordMetadata source) {
    header(headers, "cdstream-source-topic", source.topic());
    header(headers, "cdstream-source-partition", String.valueOf(source.partition()));
    header(headers, "cdstream-source-offset", String.valueOf(source.offset()));
  }

  private static void header(Headers headers, String name, String value) {
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
