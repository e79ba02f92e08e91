import { describe, expect, it } from 'vitest';
import { artifactKeyOf, imageArtifactKeys, parsePurl } from '../../../../src/domain/purl/index.js';

const HEX = '0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';
const OTHER = 'a'.repeat(64);

function keyOf(input: string): string {
  const result = artifactKeyOf(input);
  if (!result.ok) throw new Error(`${input}: ${result.reason}`);
  return result.key;
}

describe('artifactKeyOf', () => {
  it('gives one key to every spelling of the same image', () => {
    const spellings = [
      `pkg:oci/myapp@sha256%3A${HEX}`,
      `pkg:oci/myapp@sha256:${HEX.toUpperCase()}?repository_url=mycr.io/myapp`,
      `pkg:oci/MyApp@sha256:${HEX}?repository_url=mycr.io%2Fmyapp&tag=v1&arch=amd64`,
      `pkg:oci/mycr.io/myapp@sha256:${HEX}`,
      `pkg:docker/myorg/myapp@sha256:${HEX}?repository_url=mycr.io`,
      `mycr.io/myapp:v1@sha256:${HEX}`,
      `mycr.io/myapp@sha256:${HEX}`,
      `sha256:${HEX}`,
      HEX,
    ];
    expect(new Set(spellings.map(keyOf))).toEqual(new Set([`sha256:${HEX}`]));
  });

  it('treats the abbreviated digests of the brief alike: pkg:oci/app@sha256%3Aabc ≡ pkg:oci/app@sha256:ABC?repository_url=…', () => {
    expect(keyOf('pkg:oci/app@sha256%3Aabc')).toBe(
      keyOf('pkg:oci/app@sha256:ABC?repository_url=r.example/app'),
    );
  });

  it('tells different digests apart', () => {
    expect(keyOf(`pkg:oci/myapp@sha256:${HEX}`)).not.toBe(keyOf(`pkg:oci/myapp@sha256:${OTHER}`));
  });

  it('drops only display qualifiers (tag, arch, package-id) from non-image purls', () => {
    expect(
      keyOf('pkg:deb/debian/libssl3@3.0.11?arch=amd64&distro=debian-12&package-id=4ab3e'),
    ).toBe('pkg:deb/debian/libssl3@3.0.11?distro=debian-12');
    expect(keyOf('pkg:deb/debian/libssl3@3.0.11?distro=debian-12')).toBe(
      keyOf('pkg:deb/debian/libssl3@3.0.11?package-id=ffff&distro=debian-12'),
    );
    expect(keyOf('pkg:deb/debian/libssl3@3.0.11?distro=debian-12')).not.toBe(
      keyOf('pkg:deb/debian/libssl3@3.0.11?distro=debian-11'),
    );
    expect(keyOf('pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c')).toBe(
      'pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c',
    );
  });

  it('keys an unpinned image by repository and tag, never equal to a digest key', () => {
    const byTag = artifactKeyOf('nginx:1.25');
    expect(byTag.ok && [byTag.key, byTag.digestKnown]).toEqual([
      'tag:docker.io/library/nginx:1.25',
      false,
    ]);
    expect(keyOf('pkg:oci/nginx?repository_url=index.docker.io/library/nginx&tag=1.25')).toBe(
      'tag:docker.io/library/nginx:1.25',
    );
    expect(keyOf('pkg:docker/library/nginx@1.25')).toBe('tag:docker.io/library/nginx:1.25');
  });

  it('says digestKnown for digests and returns the canonical purl', () => {
    const result = artifactKeyOf(` pkg:oci/app@sha256%3A${HEX} `);
    expect(result).toEqual({
      ok: true,
      key: `sha256:${HEX}`,
      digestKnown: true,
      purl: `pkg:oci/app@sha256:${HEX}`,
    });
    const bare = artifactKeyOf(HEX);
    expect(bare.ok && bare.purl).toBeNull();
  });

  it('refuses what is neither a purl nor an image reference', () => {
    for (const input of ['pkg:npm', 'Six-1.14.0.whl', 'Not An Image', '', 'sha256:abc']) {
      expect(artifactKeyOf(input).ok, input).toBe(false);
    }
  });

  it('reads any other docker-grammar name as an unpinned Docker Hub image (callers validate purls first)', () => {
    const result = artifactKeyOf('six-1.14.0-py2.py3-none-any.whl');
    expect(result.ok && [result.key, result.digestKnown]).toEqual([
      'tag:docker.io/library/six-1.14.0-py2.py3-none-any.whl:latest',
      false,
    ]);
  });

  it('agrees with parsePurl', () => {
    const result = parsePurl(`pkg:oci/app@sha256:${HEX}?tag=v1`);
    expect(result.ok && result.artifactKey).toBe(keyOf(`pkg:oci/app@sha256:${HEX}?tag=v1`));
  });
});

describe('imageArtifactKeys', () => {
  it('lists index and platform digests, index first, lower-cased and deduplicated', () => {
    expect(
      imageArtifactKeys({
        index: `sha256:${HEX.toUpperCase()}`,
        platform: [`sha256:${OTHER}`, `sha256:${HEX}`],
      }),
    ).toEqual({ primary: `sha256:${HEX}`, all: [`sha256:${HEX}`, `sha256:${OTHER}`] });
  });

  it('uses the platform digest when the index digest is unknown, and ignores invalid ones', () => {
    expect(imageArtifactKeys({ index: 'nonsense', platform: `sha256:${OTHER}` })).toEqual({
      primary: `sha256:${OTHER}`,
      all: [`sha256:${OTHER}`],
    });
    expect(imageArtifactKeys({})).toBeUndefined();
  });
});
