import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, readDockerfile, violations } from './dockerfile.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const IMAGES = ['trainer', 'serving', 'operator', 'frontend-astro'];
describe('Dockerfiles', () => {
  it.each(IMAGES)(
    '%s/Dockerfile: multi-stage, pinned bases, non-root USER, no secrets, writes only to volumes',
    (workspace) => {
      const file = path.join(repoRoot, workspace, 'Dockerfile');
      expect(existsSync(file), `${file} is missing`).toBe(true);
      const stages = readDockerfile(file);
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(violations(stages)).toEqual([]);
    },
  );

  it('every image runs as the uid the chart and the operator give their pods (10001)', () => {
    for (const workspace of IMAGES) {
      const final = readDockerfile(path.join(repoRoot, workspace, 'Dockerfile')).at(-1);
      const user = final?.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
      expect(user, workspace).toBe('10001:10001');
    }
  });

  it('catches each rule it enforces', () => {
    const bad = parseDockerfile(
      [
        'FROM node:latest AS build',
        'ENV GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123',
        'COPY .npmrc ./',
        'FROM node',
        'ENV HOME=/home/app',
        'RUN echo hi',
        'CMD ["serve", "--log-dir=/var/log/recsys"]',
      ].join('\n'),
    );
    const found = violations(bad).join('\n');
    expect(found).toMatch(/FROM node:latest is not pinned/);
    expect(found).toMatch(/FROM node is not pinned/);
    expect(found).toMatch(/credential/);
    expect(found).toMatch(/GITHUB_TOKEN bakes a secret/);
    expect(found).toMatch(/\.npmrc copies a secret/);
    expect(found).toMatch(/sets no USER/);
    expect(found).toMatch(/declares no VOLUME/);
    expect(found).toMatch(/HOME=\/home\/app points outside/);
    expect(found).toMatch(/--log-dir=\/var\/log\/recsys writes outside/);
    const root = parseDockerfile('FROM node:24.22.3-slim\nVOLUME ["/tmp"]\nENV HOME=/tmp\nUSER 0\n');
    expect(violations(root)).toEqual(['USER 0 is root or a system user']);
  });
});
