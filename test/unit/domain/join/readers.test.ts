import { describe, expect, it } from 'vitest';
import {
  baseType,
  joinEventKind,
  locationEnvironment,
  recordOrigin,
  recordScan,
  replicaSetInstance,
  replicaSetWorkload,
  type ScanSummary,
} from '../../../../src/domain/join/index.js';

describe('event kinds', () => {
  it.each([
    ['dev.cdevents.service.deployed.0.1.1', 'deployment'],
    ['dev.cdevents.service.upgraded.0.3.0', 'deployment'],
    ['dev.cdevents.service.rolledback.0.2.0', 'deployment'],
    ['dev.cdevents.service.removed.0.3.0', 'service-removed'],
    ['dev.cdevents.incident.detected.0.1.0-draft', 'incident'],
    ['dev.cdevents.incident.resolved.0.3.0', 'incident'],
    ['dev.cdevents.build.finished.0.3.0-draft', 'artifact-origin'],
    ['dev.cdevents.artifact.published.0.1.0', 'artifact-origin'],
    ['vmware.tanzu.apps.image.sbom.pushed.v1alpha1', 'scan-report'],
    ['vmware.tanzu.apps.location.created.v1', 'location'],
    ['dev.knative.apiserver.resource.updated', 'replicaset-upsert'],
    ['dev.knative.apiserver.resource.delete', 'replicaset-delete'],
    ['dev.cdevents.build.started.0.3.0', 'other'],
    ['com.example.thing.happened', 'other'],
  ])('%s is %s', (type, kind) => {
    expect(joinEventKind(type)).toBe(kind);
  });

  it('strips only the version suffix', () => {
    expect(baseType('dev.cdevents.incident.detected.0.1.0-draft')).toBe(
      'dev.cdevents.incident.detected',
    );
    expect(baseType('vmware.tanzu.apps.image.sbom.pushed.v1')).toBe(
      'vmware.tanzu.apps.image.sbom.pushed',
    );
    expect(baseType('dev.knative.apiserver.resource.add')).toBe(
      'dev.knative.apiserver.resource.add',
    );
  });
});

describe('ReplicaSet workloads', () => {
  const replicaSet = (metadata: Record<string, unknown>, replicas?: number) => ({
    kind: 'ReplicaSet',
    metadata: { name: 'web-7d9f8', namespace: 'apps', ...metadata },
    spec: { ...(replicas === undefined ? {} : { replicas }), template: { spec: {} } },
  });

  it('names the service by the workload label, most specific first', () => {
    const labels = { app: 'generic', 'carto.run/workload-name': 'web' };
    expect(replicaSetWorkload(replicaSet({ labels }))?.service).toBe('web');
    expect(replicaSetWorkload(replicaSet({ labels: { app: 'generic' } }))?.service).toBe('generic');
  });

  it('falls back to the owning Deployment, then to the ReplicaSet name', () => {
    const owned = replicaSet({
      ownerReferences: [{ kind: 'Deployment', name: 'web-deployment' }],
    });
    expect(replicaSetWorkload(owned)?.service).toBe('web-deployment');
    expect(replicaSetWorkload(replicaSet({}))?.service).toBe('web-7d9f8');
  });

  it('reads creation time, namespace and whether it is scaled to zero', () => {
    const workload = replicaSetWorkload(
      replicaSet({ creationTimestamp: '2024-05-01T10:00:00Z' }, 0),
    );
    expect(workload).toMatchObject({
      namespace: 'apps',
      createdAt: Date.parse('2024-05-01T10:00:00Z'),
      scaledToZero: true,
    });
    expect(replicaSetWorkload(replicaSet({}))?.scaledToZero).toBe(false);
    if (workload === undefined) throw new Error('no workload');
    expect(replicaSetInstance('c1', workload)).toBe('c1/apps/web-7d9f8');
  });

  it('refuses an object without a name', () => {
    expect(replicaSetWorkload({ kind: 'ReplicaSet', metadata: {} })).toBeUndefined();
    expect(replicaSetWorkload('not an object')).toBeUndefined();
  });
});

describe('location environments', () => {
  it('reads env from AMR key/value labels, and from a plain label object', () => {
    expect(locationEnvironment({ labels: [{ key: 'env', value: 'production' }] })).toBe(
      'production',
    );
    expect(locationEnvironment({ labels: { Environment: 'staging' } })).toBe('staging');
  });

  it('prefers `environment` over `env` and ignores other labels', () => {
    const labels = [
      { key: 'env', value: 'prod' },
      { key: 'environment', value: 'production' },
      { key: 'region', value: 'eu' },
    ];
    expect(locationEnvironment({ labels })).toBe('production');
    expect(locationEnvironment({ labels: [{ key: 'region', value: 'eu' }] })).toBeUndefined();
    expect(locationEnvironment(undefined)).toBeUndefined();
  });
});

describe('artifact facts', () => {
  const scan = (scannedAt: number, critical: number): ScanSummary => ({
    critical,
    high: 0,
    medium: 0,
    low: 0,
    criticalIds: '',
    highIds: '',
    scannedAt,
  });

  it('keeps the newest scan, whatever the order they arrive in', () => {
    const newer = recordScan(undefined, scan(2_000, 1));
    expect(recordScan(newer, scan(1_000, 5)).scan).toEqual(scan(2_000, 1));
    expect(recordScan(newer, scan(3_000, 0)).scan).toEqual(scan(3_000, 0));
  });

  it('keeps the earliest build, package or publish time', () => {
    const facts = recordOrigin(recordOrigin(undefined, 5_000), 3_000);
    expect(recordOrigin(facts, 4_000).firstBuiltAt).toBe(3_000);
    expect(recordOrigin(recordScan(undefined, scan(1, 1)), 7).scan).toEqual(scan(1, 1));
  });
});
