import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDockerfile, readDockerfile, targetStages, violations } from './dockerfile.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
// The CLI images are targets of one Dockerfile; the site has its own.
const IMAGES = [
  { image: 'trainer', file: 'docker/Dockerfile', target: 'trainer' },
  { image: 'serving', file: 'docker/Dockerfile', target: 'serving' },
  { image: 'operator', file: 'docker/Dockerfile', target: 'operator' },
  { image: 'frontend', file: 'frontend-astro/Dockerfile', target: undefined },
];
const imageStages = ({ file, target }: (typeof IMAGES)[number]) =>
  targetStages(readDockerfile(path.join(repoRoot, file)), target);

describe('Dockerfiles', () => {
  it.each(IMAGES)(
    '$image ($file): multi-stage, pinned bases, non-root USER, no secrets, writes only to volumes',
    (image) => {
      expect(existsSync(path.join(repoRoot, image.file)), `${image.file} is missing`).toBe(true);
      const stages = imageStages(image);
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(violations(stages)).toEqual([]);
    },
  );

  it('every image runs as the uid the chart and the operator give their pods (10001)', () => {
    for (const image of IMAGES) {
      const final = imageStages(image).at(-1);
      const user = final?.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
      expect(user, image.image).toBe('10001:10001');
    }
  });

  it('each CLI image runs its own command: serving serves on 8000, the operator reconciles', () => {
    const cmd = (target: string) =>
      imageStages(IMAGES.find((i) => i.target === target)!)
        .at(-1)
        ?.instructions.filter((i) => i.keyword === 'CMD')
        .at(-1)?.args;
    expect(cmd('trainer')).toBe('["--help"]');
    expect(cmd('serving')).toMatch(/^\["serve", "--store=\/artifacts\/store"/);
    expect(cmd('operator')).toBe('["operator", "--help"]');
  });

  it('checks a target with what it inherits: a child stage that runs as root or writes outside the volumes is caught', () => {
    const file = [
      'FROM node:24.22.3-slim AS base',
      'ENV HOME=/tmp',
      'VOLUME ["/tmp"]',
      'USER 10001:10001',
      'FROM base AS good',
      'CMD ["serve", "--log-dir=/tmp/logs"]',
      'FROM base AS bad',
      'USER root',
      'CMD ["serve", "--log-dir=/var/log/recsys"]',
    ].join('\n');
    expect(violations(targetStages(parseDockerfile(file), 'good'))).toEqual([]);
    const found = violations(targetStages(parseDockerfile(file), 'bad')).join('\n');
    expect(found).toMatch(/USER root is root/);
    expect(found).toMatch(/--log-dir=\/var\/log\/recsys writes outside/);
    expect(() => targetStages(parseDockerfile(file), 'missing')).toThrow(
      /no stage named missing; the named stages are base, good, bad/,
    );
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
