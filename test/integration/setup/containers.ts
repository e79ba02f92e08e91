/**
 * The testcontainers path of the integration setup, used where a Docker
 * engine answers. Not exercised on machines without Docker (see README).
 */
import { KafkaContainer } from '@testcontainers/kafka';
import { GenericContainer, Wait } from 'testcontainers';

const KAFKA_IMAGE = 'confluentinc/cp-kafka:8.1.0'; // Apache Kafka 4.1
const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.3.3';

export interface StartedServices {
  kafkaBroker: string;
  schemaRegistryUrl: string;
  stop: () => Promise<void>;
}

export async function startContainers(): Promise<StartedServices> {
  const [kafka, registry] = await Promise.all([
    new KafkaContainer(KAFKA_IMAGE).withKraft().start(),
    new GenericContainer(REGISTRY_IMAGE)
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
      .start(),
  ]);
  return {
    kafkaBroker: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
    stop: async () => {
      await Promise.all([kafka.stop(), registry.stop()]);
    },
  };
}
