import { normaliseDigest } from './digest.js';

/** A container image reference, normalised as docker normalises it. */
export interface ImageRef {
  /** `docker.io` for Docker Hub, whatever alias was written */
  readonly registry: string;
  /** the repository path inside the registry, e.g. `library/nginx` */
  readonly path: string;
  /** `registry/path`, the spelling used as an oci purl `repository_url` */
  readonly repository: string;
  /** the last path segment: the oci purl name */
  readonly name: string;
  readonly tag: string | null;
  /** `algorithm:hex`, lower-case */
  readonly digest: string | null;
}

export type ImageRefResult = { ok: true; ref: ImageRef } | { ok: false; reason: string };

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const TRANSPORT_PREFIXES = ['docker-pullable://', 'docker://'];

const REGISTRY =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/;
const PATH_SEGMENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;

function failure(reason: string): ImageRefResult {
  return { ok: false, reason };
}

/** Docker's rule: the first segment is a registry if it has a dot, a port or is localhost. */
function looksLikeRegistry(segment: string): boolean {
  return (
    segment.includes('.') ||
    segment.includes(':') ||
    segment === 'localhost' ||
    segment !== segment.toLowerCase()
  );
}

/** Splits a repository name (no tag, no digest) into registry and path, applying Docker Hub rules. */
export function normaliseRepository(name: string): { registry: string; path: string } | string {
  const segments = name.split('/');
  const first = segments[0] ?? '';
  const hasRegistry = segments.length > 1 && looksLikeRegistry(first);
  const rawRegistry = hasRegistry ? first.toLowerCase() : DOCKER_HUB;
  const registry = DOCKER_HUB_ALIASES.has(rawRegistry) ? DOCKER_HUB : rawRegistry;
  const pathSegments = hasRegistry ? segments.slice(1) : segments;
  if (registry === DOCKER_HUB && pathSegments.length === 1) pathSegments.unshift('library');

  if (!REGISTRY.test(registry)) return `"${registry}" is not a valid registry host`;
  for (const segment of pathSegments) {
    if (!PATH_SEGMENT.test(segment)) {
      return `"${segment}" is not a valid repository path component (lower-case letters, digits, separators)`;
    }
  }
  return { registry, path: pathSegments.join('/') };
}

/**
 * Parses `[registry/]path[:tag][@digest]`. Docker Hub short names become
 * `docker.io/library/<name>`; `index.docker.io` becomes `docker.io`. A
 * reference with neither tag nor digest keeps `tag: null` (docker would pull
 * `latest`; see artifactKeyOf for how that is keyed).
 */
export function parseImageRef(input: string): ImageRefResult {
  let text = input.trim();
  const prefix = TRANSPORT_PREFIXES.find((candidate) => text.startsWith(candidate));
  if (prefix !== undefined) text = text.slice(prefix.length);
  if (text === '') return failure('empty image reference');

  let digest: string | null = null;
  const at = text.indexOf('@');
  if (at !== -1) {
    digest = normaliseDigest(text.slice(at + 1), true) ?? null;
    if (digest === null) return failure(`"${text.slice(at + 1)}" is not a valid digest`);
    text = text.slice(0, at);
  }

  let tag: string | null = null;
  const colon = text.lastIndexOf(':');
  if (colon > text.lastIndexOf('/')) {
    tag = text.slice(colon + 1);
    if (!TAG.test(tag)) return failure(`"${tag}" is not a valid tag`);
    text = text.slice(0, colon);
  }

  const repository = normaliseRepository(text);
  if (typeof repository === 'string') return failure(repository);
  const { registry, path } = repository;
  return {
    ok: true,
    ref: {
      registry,
      path,
      repository: `${registry}/${path}`,
      name: path.slice(path.lastIndexOf('/') + 1),
      tag,
      digest,
    },
  };
}
