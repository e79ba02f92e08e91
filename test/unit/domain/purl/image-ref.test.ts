import { describe, expect, it } from 'vitest';
import { imageRefToPurl, parseImageRef } from '../../../../src/domain/purl/index.js';

const DIGEST = 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';

describe('parseImageRef', () => {
  it.each([
    ['nginx', 'docker.io', 'library/nginx', null, null],
    ['nginx:1.25', 'docker.io', 'library/nginx', '1.25', null],
    ['bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', null],
    ['index.docker.io/library/x', 'docker.io', 'library/x', null, null],
    ['registry-1.docker.io/x', 'docker.io', 'library/x', null, null],
    ['docker.io/x', 'docker.io', 'library/x', null, null],
    ['GHCR.IO/org/app:v1', 'ghcr.io', 'org/app', 'v1', null],
    ['localhost:5000/app:dev', 'localhost:5000', 'app', 'dev', null],
    ['localhost/app', 'localhost', 'app', null, null],
    [`registry.example.com/ns/app@${DIGEST}`, 'registry.example.com', 'ns/app', null, DIGEST],
    [
      `registry.example.com/ns/app:1.0@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`,
      'registry.example.com',
      'ns/app',
      '1.0',
      DIGEST,
    ],
    [`docker-pullable://nginx@${DIGEST}`, 'docker.io', 'library/nginx', null, DIGEST],
  ])('%s → registry %s, path %s, tag %s, digest %s', (input, registry, path, tag, digest) => {
    const result = parseImageRef(input);
    expect(result.ok && result.ref).toEqual({
      registry,
      path,
      repository: `${registry}/${path}`,
      name: path.slice(path.lastIndexOf('/') + 1),
      tag,
      digest,
    });
  });

  it.each([
    ['', /empty/],
    ['nginx@sha256:abc', /not a valid digest/],
    ['nginx@md5', /not a valid digest/],
    ['nginx:', /not a valid tag/],
    ['nginx:-bad', /not a valid tag/],
    ['docker.io/Library/Nginx', /repository path/],
    ['ghcr.io//app', /repository path/],
    ['bad_host_/app', /repository path/],
  ])('%j is not an image reference (%s)', (input, reason) => {
    const result = parseImageRef(input);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});

describe('imageRefToPurl', () => {
  it('maps a digest reference to an oci purl with repository_url and tag', () => {
    const result = imageRefToPurl(`ghcr.io/org/app:1.2@${DIGEST}`);
    expect(result.ok && result.purl).toBe(
      `pkg:oci/app@${DIGEST}?repository_url=ghcr.io%2Forg%2Fapp&tag=1.2`,
    );
    expect(result.ok && [result.key, result.digestKnown]).toEqual([DIGEST, true]);
  });

  it('spells Docker Hub short names and aliases the same way', () => {
    const purls = [
      'nginx',
      'docker.io/nginx',
      'index.docker.io/library/nginx',
      'docker.io/library/nginx:latest',
    ].map((input) => {
      const result = imageRefToPurl(`${input}@${DIGEST}`);
      return result.ok ? result.purl : result.reason;
    });
    expect(purls.slice(0, 3)).toEqual(
      Array(3).fill(`pkg:oci/nginx@${DIGEST}?repository_url=docker.io%2Flibrary%2Fnginx`),
    );
    expect(purls[3]).toBe(
      `pkg:oci/nginx@${DIGEST}?repository_url=docker.io%2Flibrary%2Fnginx&tag=latest`,
    );
  });

  it('keys a reference without a digest by repository and tag, flagged digestKnown:false', () => {
    const tagged = imageRefToPurl('ghcr.io/org/app:1.2');
    expect(tagged.ok && tagged.purl).toBe('pkg:oci/app?repository_url=ghcr.io%2Forg%2Fapp&tag=1.2');
    expect(tagged.ok && [tagged.key, tagged.digestKnown]).toEqual([
      'tag:ghcr.io/org/app:1.2',
      false,
    ]);
    const untagged = imageRefToPurl('nginx');
    expect(untagged.ok && untagged.key).toBe('tag:docker.io/library/nginx:latest');
  });

  it('reports why an invalid reference is invalid', () => {
    const result = imageRefToPurl('nginx@sha256:short');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/digest/);
  });
});
