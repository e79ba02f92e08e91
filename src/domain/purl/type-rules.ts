import { normaliseDigest } from './digest.js';
import { normaliseRepository } from './image-ref.js';
import type { RawPurl } from './split-purl.js';
import type { PurlParts } from './purl-parts.js';

const DOCKER_HUB_PREFIX = /^(?:index\.docker\.io|registry-1\.docker\.io|docker\.io)\//i;

/**
 * Syft and others write the whole repository into an oci purl
 * (`pkg:oci/ghcr.io/org/app@…` or the same with `%2F`); the purl spec wants
 * only the last segment as name, no namespace, the location in
 * `repository_url`. packageurl-js rejects the first spelling and keeps the
 * second unchanged, so this moves the path before packageurl-js sees it.
 */
export function relocateOciRepositoryPath(raw: RawPurl): RawPurl {
  const segments = [...raw.namespaceSegments, ...raw.name.split('/')].filter((s) => s !== '');
  if (segments.length <= 1) return raw;
  const path = segments.join('/');
  const qualifiers = new Map(raw.qualifiers);
  if ((qualifiers.get('repository_url') ?? '') === '') {
    const repository = normaliseRepository(path.toLowerCase());
    qualifiers.set(
      'repository_url',
      typeof repository === 'string' ? path : `${repository.registry}/${repository.path}`,
    );
  }
  return { ...raw, namespaceSegments: [], name: segments.at(-1) ?? raw.name, qualifiers };
}

/** `index.docker.io/x` and `docker.io/x` are one repository: `docker.io/library/x`. */
export function normaliseRepositoryUrl(value: string): string {
  if (!DOCKER_HUB_PREFIX.test(value)) return value;
  const repository = normaliseRepository(value.toLowerCase());
  return typeof repository === 'string' ? value : `${repository.registry}/${repository.path}`;
}

type TypeRule = (parts: PurlParts) => PurlParts | string;

function lowerNamespaceAndName(parts: PurlParts): PurlParts {
  return {
    ...parts,
    namespace: parts.namespace?.toLowerCase() ?? null,
    name: parts.name.toLowerCase(),
  };
}

function withRepositoryUrl(parts: PurlParts): PurlParts {
  const repositoryUrl = parts.qualifiers['repository_url'];
  if (repositoryUrl === undefined) return parts;
  return {
    ...parts,
    qualifiers: { ...parts.qualifiers, repository_url: normaliseRepositoryUrl(repositoryUrl) },
  };
}

/**
 * Rules of the purl type definitions that packageurl-js 2.0.1 does not apply
 * (it already lower-cases npm, pypi, github, deb, apk, … and the oci name).
 */
const TYPE_RULES: Readonly<Record<string, TypeRule>> = {
  oci(parts) {
    if (parts.version === null) return withRepositoryUrl(parts);
    const digest = normaliseDigest(parts.version, false);
    if (digest === undefined)
      return `oci version "${parts.version}" is not a digest (algorithm:hex)`;
    return withRepositoryUrl({ ...parts, version: digest });
  },
  docker(parts) {
    const digest = parts.version === null ? undefined : normaliseDigest(parts.version, false);
    return digest === undefined ? parts : { ...parts, version: digest };
  },
  // The golang type definition says namespace and name "must be lowercased";
  // packageurl-js waits for a spec change that has not happened.
  golang: lowerNamespaceAndName,
};

export function applyTypeRules(parts: PurlParts): PurlParts | string {
  const rule = TYPE_RULES[parts.type];
  return rule === undefined ? parts : rule(parts);
}
