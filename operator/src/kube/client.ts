import { createHash, randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { ConflictError } from '@recsys/core/recmodel/effects';
import { RECMODEL_GROUP, RECMODEL_PLURAL, RECMODEL_VERSION, type RecModelStatus } from '@recsys/core/recmodel/types';
import { APPLIED_ANNOTATION, FIELD_MANAGER } from './names.ts';
import { type Manifest, sameSpec } from './objects.ts';

const statusOf = (error: unknown) => (error as { code?: number }).code;

/**
 * An API server error as one line a person can act on (what was attempted, the server's own message, the HTTP
 * code), instead of client-node's multi-line dump; `code` stays for callers that branch on it.
 */
export function apiError(what: string, error: unknown): Error {
  const { code, body } = error as { code?: number; body?: unknown };
  if (typeof code !== 'number') return error instanceof Error ? error : new Error(String(error));
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      status = { message: body };
    }
  }
  const message = (status as { message?: string } | undefined)?.message ?? 'no message';
  return Object.assign(new Error(`${what}: ${message} (HTTP ${code})`), { code });
}

/** The API calls the operator makes, each idempotent: create-if-absent, server-side apply, status under a resourceVersion. */
export class KubeClient {
  readonly #objects: KubernetesObjectApi;
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;
  readonly #namespace: string;
  readonly #identity: string;
  readonly #log: (line: string) => void;

  constructor(kubeConfig: KubeConfig, namespace: string, identity: string, log: (line: string) => void) {
    this.#objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.#custom = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#core = kubeConfig.makeApiClient(CoreV1Api);
    this.#namespace = namespace;
    this.#identity = identity;
    this.#log = log;
  }

  async createIfAbsent(object: Manifest): Promise<void> {
    try {
      await this.#objects.create(object, undefined, undefined, FIELD_MANAGER);
      this.#log(`created ${object.kind} ${object.metadata.name}`);
    } catch (error) {
      if (statusOf(error) !== 409) throw apiError(`create ${object.kind} ${object.metadata.name}`, error);
    }
  }

  /**
   * Server-side applies the object when it is absent, when what the operator wants changed since its last apply
   * (the hash in APPLIED_ANNOTATION), or when a field the operator sets drifted (`specOnly`: compare only the
   * spec). Apply, unlike a merge patch, also removes the fields the operator stopped setting.
   */
  async apply(desired: Manifest, existing: Manifest | undefined, specOnly = false): Promise<void> {
    const hash = createHash('sha256').update(JSON.stringify(desired)).digest('hex').slice(0, 32);
    if (
      existing?.metadata?.annotations?.[APPLIED_ANNOTATION] === hash &&
      (specOnly ? sameSpec(desired.spec, existing.spec) : sameSpec(desired, existing))
    )
      return;
    const { name, annotations } = desired.metadata;
    const body = {
      ...desired,
      metadata: { ...desired.metadata, annotations: { ...annotations, [APPLIED_ANNOTATION]: hash } },
    };
    try {
      await this.#objects.patch(body, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw apiError(`apply ${desired.kind} ${name}`, error);
    }
    this.#log(`${existing ? 'applied' : 'created'} ${desired.kind} ${name}`);
  }

  async patch(object: Manifest): Promise<void> {
    try {
      await this.#objects.patch(object, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
    } catch (error) {
      if (statusOf(error) === 409)
        throw new ConflictError(`${object.kind} ${object.metadata.name} changed since it was read`);
      throw apiError(`patch ${object.kind} ${object.metadata.name}`, error);
    }
  }

  async deleteIfPresent(apiVersion: string, kind: string, name: string): Promise<void> {
    try {
      await this.#objects.delete({ apiVersion, kind, metadata: { name, namespace: this.#namespace } });
      this.#log(`deleted ${kind} ${name}`);
    } catch (error) {
      if (statusOf(error) !== 404) throw apiError(`delete ${kind} ${name}`, error);
    }
  }

  /** Replaces the status under the resourceVersion it was read at; a newer object is a ConflictError (reread, retry). */
  async replaceStatus(raw: Manifest, status: RecModelStatus): Promise<void> {
    try {
      await this.#custom.replaceNamespacedCustomObjectStatus({
        group: RECMODEL_GROUP,
        version: RECMODEL_VERSION,
        namespace: this.#namespace,
        plural: RECMODEL_PLURAL,
        name: raw.metadata.name,
        body: { ...raw, status },
      });
    } catch (error) {
      if (statusOf(error) === 409) throw new ConflictError(`RecModel ${raw.metadata.name} changed since it was read`);
      throw apiError(`update the status of RecModel ${raw.metadata.name}`, error);
    }
  }

  async event(raw: Manifest, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date();
    await this.#core
      .createNamespacedEvent({
        namespace: this.#namespace,
        body: {
          metadata: {
            name: `${raw.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
            namespace: this.#namespace,
          },
          involvedObject: {
            apiVersion: raw.apiVersion,
            kind: raw.kind,
            name: raw.metadata.name,
            namespace: this.#namespace,
            uid: raw.metadata.uid,
            resourceVersion: raw.metadata.resourceVersion,
          },
          type,
          reason,
          // The Event API caps the message at 1 KiB.
          message: message.slice(0, 1024),
          source: { component: 'recsys-operator' },
          reportingComponent: 'recsys.dev/operator',
          reportingInstance: this.#identity,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((error) => {
        throw apiError(`create Event ${reason} for ${raw.metadata.name}`, error);
      });
  }
}
