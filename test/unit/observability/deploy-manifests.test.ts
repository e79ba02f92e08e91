/**
 * The example Kubernetes manifests and the Dockerfile agree with the code:
 * they parse, the probes hit the health server where the environment puts
 * it, the mounted secret files are where the *_FILE variables point, and the
 * grace period outlasts the shutdown deadline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { connectionFromEnvironment } from '../../../src/config/connection.js';
import { parseTopology } from '../../../src/config/topology-file.js';
import { WORKER_YOUNG_GENERATION_MB } from '../../../src/cli/fleet-host.js';
import { healthServerSettings } from '../../../src/observability/health-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy', 'kubernetes');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function load(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((document) => {
    expect(document.errors, path).toEqual([]);
    return document.toJS() as Manifest;
  });
}

const manifests = yamlFiles(join(ROOT, 'deploy')).flatMap(load);
function only(kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (!name || m.metadata?.name === name));
  expect(found, `${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0] as Manifest;
}

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  args: string[];
  env: { name: string; value: string }[];
  envFrom: { configMapRef: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string }[];
}
interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot: boolean; runAsUser: number };
        containers: Container[];
        volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
      };
    };
  };
}
interface ConfigMap extends Manifest {
  data: Record<string, string>;
}
interface Secret extends Manifest {
  stringData: Record<string, string>;
}

const deployment = only('Deployment') as Deployment;
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Container;
const envMap = only('ConfigMap', 'cdstream-env') as ConfigMap;
const env: Record<string, string> = {
  ...envMap.data,
  ...Object.fromEntries(container.env.map(({ name, value }) => [name, value])),
};

describe('deploy/kubernetes', () => {
  it('parses, every document with a kind and a name', () => {
    expect(manifests.length).toBeGreaterThanOrEqual(6);
    for (const manifest of manifests) {
      expect(manifest.apiVersion).toBeTruthy();
      expect(manifest.kind).toBeTruthy();
      if (manifest.kind !== 'Kustomization') expect(manifest.metadata?.name).toBeTruthy();
    }
  });

  it('lists every manifest in the kustomization', () => {
    const kustomization = only('Kustomization') as Manifest & { resources: string[] };
    const files = readdirSync(DEPLOY).filter((f) => f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('runs three non-root workers on the topology of the ConfigMap', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(container.resources.requests).toHaveProperty('memory');
    expect(container.resources.limits).toHaveProperty('memory');
    expect(container.envFrom[0]?.configMapRef.name).toBe('cdstream-env');

    const topologyArg = container.args[container.args.indexOf('--topology') + 1] ?? '';
    const mount = container.volumeMounts.find((m) => topologyArg.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v) => v.name === mount?.name);
    const topologyMap = only('ConfigMap', volume?.configMap?.name) as ConfigMap;
    const file = topologyArg.slice((mount?.mountPath.length ?? 0) + 1);
    const topology = parseTopology(topologyMap.data[file] ?? '', file);
    expect(topology.applicationId).toBe('cdstream');
  });

  it('probes /healthz and /readyz where the health server listens', () => {
    const settings = healthServerSettings(env);
    expect(settings.host).toBe('0.0.0.0');
    const port = container.ports.find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(settings.port);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('gives SIGTERM more time than the shutdown deadline, but not much more', () => {
    const deadlineMs = Number(env.CDSTREAM_SHUTDOWN_TIMEOUT_MS);
    const graceMs = pod.terminationGracePeriodSeconds * 1000;
    expect(graceMs).toBeGreaterThan(deadlineMs);
    expect(graceMs - deadlineMs).toBeLessThanOrEqual(10_000);
  });

  it('lets at most one worker be disrupted, selecting the Deployment’s pods', () => {
    const pdb = only('PodDisruptionBudget') as Manifest & {
      spec: { maxUnavailable: number; selector: Deployment['spec']['selector'] };
    };
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  it('wires the Secret files to the *_FILE variables, with placeholder values only', () => {
    const secretVolume = pod.volumes.find((v) => v.secret);
    const secret = only('Secret', secretVolume?.secret?.secretName) as Secret;
    const mountPath = container.volumeMounts.find((m) => m.name === secretVolume?.name)?.mountPath;
    for (const value of Object.values(secret.stringData)) expect(value).toBe('change-me');

    const mounted = (path: string): Buffer => {
      const key =
        mountPath && path.startsWith(`${mountPath}/`) ? path.slice(mountPath.length + 1) : '';
      const value = secret.stringData[key];
      if (value === undefined) throw Object.assign(new Error(path), { code: 'ENOENT' });
      return Buffer.from(value);
    };
    const settings = connectionFromEnvironment(env, mounted);
    expect(settings.kafka.ssl).toBe(true);
    expect(settings.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'cdstream',
      password: 'change-me',
    });
    expect(settings.registry).toEqual({
      kind: 'basic',
      username: 'cdstream',
      password: 'change-me',
    });
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('runs as a non-root user and exposes the health port', () => {
    const user = /^USER (\S+)/m.exec(runtimeStage)?.[1] ?? 'root';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(runtimeStage).toMatch(/^EXPOSE 9464$/m);
    expect(runtimeStage).toMatch(/CDSTREAM_HTTP_HOST=0\.0\.0\.0/);
  });

  it('starts node with the young generation the fleet threads get, as the CLI and the Kubernetes env do', () => {
    const semiSpace = `--max-semi-space-size=${WORKER_YOUNG_GENERATION_MB / 2}`;
    expect(runtimeStage).toMatch(
      new RegExp(`^ENTRYPOINT \\["node", "${semiSpace}", "dist/cli/main\\.js"\\]$`, 'm'),
    );
    const cli = readFileSync(join(ROOT, 'src', 'cli', 'main.ts'), 'utf8');
    expect(cli.split('\n')[0]).toBe(`#!/usr/bin/env -S node ${semiSpace}`);
    expect(envMap.data.NODE_OPTIONS?.split(' ')).toContain(semiSpace);
  });

  it('ships the schemas and topologies', () => {
    expect(runtimeStage).toMatch(/^COPY .*\bschemas \.\/schemas$/m);
    expect(runtimeStage).toMatch(/^COPY .*\btopologies \.\/topologies$/m);
  });
});
