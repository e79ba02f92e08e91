package dev.cdstream.bench.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pipeline baseline on TopologyTestDriver: what it dead-letters, joins and counts. */
class DoraPipelineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HOUR = 3_600_000;
  private static final long DAY = 24 * HOUR;
  private static final long D = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
  private static final String PURL = "pkg:oci/svc-a@sha256%3A" + "ab".repeat(32);

  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> input;
  private TestOutputTopic<String, byte[]> deadLetters;
  private TestOutputTopic<String, byte[]> enriched;
  private TestOutputTopic<String, String> metrics;

  static Path cdeventsSpec() {
    String configured = System.getenv("CDEVENTS_SPEC_DIR");
    if (configured != null && !configured.isEmpty()) return Path.of(configured);
    Path repository = Path.of(System.getProperty("repository", "../../..")).toAbsolutePath().normalize();
    return repository.getParent().resolve("shared/cdevents-spec");
  }

  @BeforeEach
  void start() {
    Path spec = cdeventsSpec();
    assertTrue(Files.isDirectory(spec), "official CDEvents schemas at " + spec + " (set CDEVENTS_SPEC_DIR)");
    Path repository = Path.of(System.getProperty("repository", "../../..")).toAbsolutePath().normalize();
    Schemas schemas = new Schemas(spec, repository.resolve("schemas/cloudevents"));
    DoraPipeline.Topics topics = new DoraPipeline.Topics("in", "dlq", "enriched", "metrics", 1);
    List<DoraPipeline.Window> windows =
        List.of(new DoraPipeline.Window("P1D", DAY, DAY), new DoraPipeline.Window("P7D/P1D", 7 * DAY, DAY));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "pipeline-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    // closed windows are emitted on the next record, not after wall-clock time the driver never lets pass
    props.put("__emit.interval.ms.kstreams.windowed.aggregation__", 0L);
    driver = new TopologyTestDriver(DoraPipeline.topology(topics, schemas, HOUR, windows), props);
    input = driver.createInputTopic("in", new StringSerializer(), new ByteArraySerializer());
    deadLetters = driver.createOutputTopic("dlq", new StringDeserializer(), new ByteArrayDeserializer());
    enriched = driver.createOutputTopic("enriched", new StringDeserializer(), new ByteArrayDeserializer());
    metrics = driver.createOutputTopic("metrics", new StringDeserializer(), new StringDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void deadLettersWhatIsNotAValidEventWithCdstreamsCodes() {
    send("bad-1", "{\"specversion\":\"1.0\",\"id\":\"x\",\"type\":".getBytes(StandardCharsets.UTF_8));
    ObjectNode yesterday = deployed("svc-a", "production", D);
    ((ObjectNode) yesterday.path("context")).put("timestamp", "yesterday");
    send("bad-2", structured(yesterday));
    send("bad-3", "{\"specversion\":\"1.0\",\"source\":\"/x\",\"type\":\"a.b\"}".getBytes(StandardCharsets.UTF_8));
    send("good", structured(deployed("svc-a", "production", D)));

    List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(List.of("DECODE_JSON", "SCHEMA_VIOLATION", "CE_MISSING_ATTRIBUTE"),
        dead.stream().map(r -> header(r, "cdstream-error-code")).toList());
    assertEquals(List.of("bad-1", "bad-2", "bad-3"), dead.stream().map(TestRecord::key).toList());
    assertEquals(1, enriched.readRecordsToList().size());
  }

  @Test
  void joinsDeploymentsAndArtifactEventsAgainstTheArtifactTable() throws Exception {
    send("a", structured(cdevent("dev.cdevents.build.finished.0.3.0", D + HOUR,
        subject("build-1").set("content", JSON.createObjectNode().put("artifactId", PURL)))));
    send("b", structured(deployed("svc-a", "production", D + 3 * HOUR)));
    send("c", structured(cdevent("dev.cdevents.artifact.published.0.3.0", D + 4 * HOUR,
        subject(PURL).set("content", JSON.createObjectNode().put("user", "ci")))));

    Map<String, JsonNode> byType = enriched.readRecordsToList().stream()
        .collect(Collectors.toMap(r -> read(r.value()).path("type").asText(), r -> withKey(r)));
    JsonNode deployment = byType.get("dev.cdevents.service.deployed.0.3.0");
    assertEquals("svc-a/production", deployment.path("_key").asText());
    assertEquals(Instant.ofEpochMilli(D + HOUR).toString(), deployment.path("cdsleadtimestart").asText());
    JsonNode published = byType.get("dev.cdevents.artifact.published.0.3.0");
    assertEquals("svc-a", published.path("cdsservice").asText());
    assertEquals("production", published.path("cdsenvironment").asText());
    assertEquals("sha256:" + "ab".repeat(32), published.path("cdsartifactkey").asText());
  }

  @Test
  void countsPerServiceAndDayOnceTheWindowCloses() throws Exception {
    send("a", structured(cdevent("dev.cdevents.build.finished.0.3.0", D + HOUR,
        subject("build-1").set("content", JSON.createObjectNode().put("artifactId", PURL)))));
    send("b", structured(deployed("svc-a", "production", D + 3 * HOUR)));
    send("c", structured(draftIncident("svc-a", "production", D + 5 * HOUR)));
    assertTrue(metrics.isEmpty(), "nothing before the window closes");
    assertTrue(deadLetters.isEmpty(), "the draft incident is valid");

    send("d", structured(deployed("svc-a", "production", D + DAY + 2 * HOUR)));

    JsonNode day = metrics.readValuesToList().stream().map(DoraPipelineTest::read)
        .filter(m -> m.path("window").asText().equals("P1D") && m.path("windowStart").asLong() == D)
        .findFirst().orElseThrow();
    assertEquals("svc-a/production", day.path("key").asText());
    assertEquals(1, day.path("deployments").asLong());
    assertEquals(1, day.path("incidents").asLong());
    assertEquals(1, day.path("leadTimes").asLong());
    assertEquals(2 * HOUR, day.path("leadTimeSumMs").asLong());
  }

  private void send(String key, byte[] value) {
    input.pipeInput(key, value);
  }

  private static String header(TestRecord<String, byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static JsonNode read(byte[] value) {
    try {
      return JSON.readTree(value);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode read(String value) {
    return read(value.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode withKey(TestRecord<String, byte[]> record) {
    return ((ObjectNode) read(record.value())).put("_key", record.key());
  }

  private static ObjectNode subject(String id) {
    return JSON.createObjectNode().put("id", id);
  }

  private static ObjectNode cdevent(String type, long time, ObjectNode subject) {
    ObjectNode event = JSON.createObjectNode();
    event.putObject("context").put("specversion", "0.5.1").put("id", "id-" + time)
        .put("source", "/ci").put("type", type).put("timestamp", Instant.ofEpochMilli(time).toString());
    event.set("subject", subject);
    return event;
  }

  private static ObjectNode deployed(String service, String environment, long time) {
    ObjectNode content = JSON.createObjectNode().put("artifactId", PURL);
    content.putObject("environment").put("id", environment);
    return cdevent("dev.cdevents.service.deployed.0.3.0", time, (ObjectNode) subject(service).set("content", content));
  }

  /** the seed documents' draft: `version` for the spec version, no subject.type */
  private static ObjectNode draftIncident(String service, String environment, long time) {
    ObjectNode content = JSON.createObjectNode().put("description", "slow").put("artifactId", PURL);
    content.putObject("environment").put("id", environment);
    content.putObject("service").put("id", service);
    ObjectNode event = cdevent("dev.cdevents.incident.detected.0.1.0-draft", time,
        (ObjectNode) subject("incident-1").set("content", content));
    ObjectNode context = (ObjectNode) event.path("context");
    context.remove("specversion");
    context.put("version", "0.2.0-draft");
    return event;
  }

  private static byte[] structured(ObjectNode cdevent) {
    JsonNode context = cdevent.path("context");
    ObjectNode event = JSON.createObjectNode().put("specversion", "1.0")
        .put("id", context.path("id").asText()).put("source", context.path("source").asText())
        .put("type", context.path("type").asText()).put("time", context.path("timestamp").asText())
        .put("datacontenttype", "application/json");
    event.set("data", cdevent);
    try {
      return JSON.writeValueAsBytes(event);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
