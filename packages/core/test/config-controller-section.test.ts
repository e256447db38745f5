import { describe, expect, it } from 'vitest';
import { loadPolycloudConfig } from '@polycloud/core/config';
import { isPolycloudError } from '@polycloud/core';

const base = `
providers:
  - { name: local-a, type: local }
resources:
  - resource_id: lc-1
    type: LogicalCluster
    providers: [{ cloud: A, provider: local-a, physical_id: pool }]
`;

describe('the controller: section', () => {
  it('is passed through as config.controller, keys camelCased, values interpolated', () => {
    const config = loadPolycloudConfig(`${base}controller:\n  namespace: [a, b]\n  lease: { duration_seconds: 15, identity: "\${POD_NAME}" }\n`, {
      env: { POD_NAME: 'pod-7' },
    });
    expect(config.controller).toEqual({ namespace: ['a', 'b'], lease: { durationSeconds: 15, identity: 'pod-7' } });
  });

  it('is absent when the file has none', () => {
    expect(loadPolycloudConfig(base).controller).toBeUndefined();
  });

  it('must be a map (CONFIG_INVALID at controller)', () => {
    let error: unknown;
    try {
      loadPolycloudConfig(`${base}controller: [x]\n`);
    } catch (e) {
      error = e;
    }
    expect(isPolycloudError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as { context: { issues: { path: unknown[] }[] } }).context.issues.map((i) => i.path[0])).toContain('controller');
  });
});
