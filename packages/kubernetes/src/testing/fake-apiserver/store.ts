import { randomUUID } from 'node:crypto';
import { type ResourceType, apiVersionOf } from './resources.js';

export type KubeObject = Record<string, unknown> & { metadata: Record<string, unknown> };
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: WatchEventType;
  resource: ResourceType;
  object: KubeObject;
  /** The object before a MODIFIED (to tell a watch with a selector that it left the selection). */
  previous?: KubeObject;
}

export type StoreListener = (event: StoredEvent) => void;

const keyOf = (t: ResourceType, namespace: string, name: string) => `${apiVersionOf(t)}/${t.plural}/${namespace}/${name}`;

/**
 * The objects, the cluster-wide resourceVersion counter (one counter for every kind,
 * as etcd's revision) and the event history watches resume from. History older than
 * `compactedRv` is gone: a watch from before it gets 410 Expired.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  /** The latest resourceVersion handed out. */
  rv = 1;
  /** Watches must start after this resourceVersion (everything up to it was compacted). */
  compactedRv = 1;

  constructor(private readonly historyLimit = 10_000) {}

  get(t: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const o = this.objects.get(keyOf(t, namespace, name));
    return o && structuredClone(o);
  }

  list(t: ResourceType, namespace?: string): KubeObject[] {
    const prefix = `${apiVersionOf(t)}/${t.plural}/`;
    return [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (namespace === undefined || o.metadata['namespace'] === namespace))
      .map(([, o]) => structuredClone(o))
      .sort(
        (a, b) =>
          String(a.metadata['namespace']).localeCompare(String(b.metadata['namespace'])) ||
          String(a.metadata['name']).localeCompare(String(b.metadata['name'])),
      );
  }

  /** Stores a new object: uid, creationTimestamp, generation 1, the next resourceVersion. */
  create(t: ResourceType, obj: KubeObject): KubeObject {
    const rv = ++this.rv;
    obj.metadata = {
      ...obj.metadata,
      uid: randomUUID(),
      resourceVersion: String(rv),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      generation: 1,
    };
    this.objects.set(keyOf(t, String(obj.metadata['namespace']), String(obj.metadata['name'])), structuredClone(obj));
    this.record({ rv, type: 'ADDED', resource: t, object: obj });
    return structuredClone(obj);
  }

  /** Replaces a stored object with the next resourceVersion. */
  update(t: ResourceType, obj: KubeObject, previous: KubeObject): KubeObject {
    const rv = ++this.rv;
    obj.metadata = { ...obj.metadata, resourceVersion: String(rv) };
    this.objects.set(keyOf(t, String(obj.metadata['namespace']), String(obj.metadata['name'])), structuredClone(obj));
    this.record({ rv, type: 'MODIFIED', resource: t, object: obj, previous });
    return structuredClone(obj);
  }

  /** Removes an object; its DELETED event carries a new resourceVersion. */
  remove(t: ResourceType, obj: KubeObject): KubeObject {
    const rv = ++this.rv;
    this.objects.delete(keyOf(t, String(obj.metadata['namespace']), String(obj.metadata['name'])));
    const gone = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
    this.record({ rv, type: 'DELETED', resource: t, object: gone });
    return structuredClone(gone);
  }

  /** Events after `rv` (exclusive). Undefined when history after `rv` was compacted (410). */
  since(rv: number): StoredEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    return this.history.filter((e) => e.rv > rv);
  }

  /** Drops all history: a watch from any resourceVersion before now gets 410 Expired. */
  compact(): void {
    this.history.length = 0;
    this.compactedRv = this.rv;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoredEvent): void {
    this.history.push({ ...event, object: structuredClone(event.object) });
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift()!;
      this.compactedRv = dropped.rv;
    }
    for (const l of [...this.listeners]) l(event);
  }
}

export const newObjectFor = (t: ResourceType, body: KubeObject): KubeObject => ({ ...body, apiVersion: apiVersionOf(t), kind: t.kind });
