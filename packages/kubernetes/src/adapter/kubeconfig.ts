import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { PolycloudError, registerSecrets, throwMissingPeer } from '@polycloud/core/spi';
import type { ResolvedKubernetesAdapterOptions } from './options.js';

export type ClientNode = typeof import('@kubernetes/client-node');

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const configError = (message: string, path: (string | number)[]) =>
  new PolycloudError('CONFIG_INVALID', `kubernetes adapter: ${message}`, { retryable: false, context: { provider: 'kubernetes', path } });

/** Every credential a kubeconfig holds, registered with core's redaction so no message can carry one. */
export function registerCredentials(kc: KubeConfig): void {
  for (const u of kc.users) {
    const user = u as unknown as Record<string, unknown>;
    const secrets = [user['token'], user['password'], user['keyData'], user['certData']];
    const auth = user['authProvider'] as { config?: Record<string, unknown> } | undefined;
    for (const v of Object.values(auth?.config ?? {})) secrets.push(v);
    registerSecrets(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8));
  }
}

const SECRET_KEYS = new Set([
  'token',
  'password',
  'client-key-data',
  'client-certificate-data',
  'keyData',
  'certData',
  'id-token',
  'refresh-token',
  'access-token',
  'client-secret',
]);

/**
 * Registers the credentials an inline kubeconfig (text or object) holds, at once when the
 * adapter is created, so that nothing printed before the first request (a config error,
 * an explanation) can carry them. Best effort on text that does not parse.
 */
export function registerInlineCredentials(kubeconfig: unknown): void {
  let value = kubeconfig;
  if (typeof kubeconfig === 'string') {
    try {
      value = parse(kubeconfig) as unknown;
    } catch {
      // the loader reports it (without its text); lines that look like `token: x` are still registered
      registerSecrets([...kubeconfig.matchAll(/(?:token|password|-data|secret)["']?\s*:\s*["']?([^\s"']{8,})/g)].map((m) => m[1]));
      return;
    }
  }
  const found: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (depth > 12 || typeof v !== 'object' || v === null) return;
    for (const [k, child] of Object.entries(v)) {
      if (typeof child === 'string' && SECRET_KEYS.has(k) && child.length >= 8) found.push(child);
      else walk(child, depth + 1);
    }
  };
  walk(value, 0);
  registerSecrets(found);
}

/**
 * Loads the kubeconfig the options name (see {@link KubernetesAdapterOptionsSchema} for
 * the order). A kubeconfig that cannot be read or parsed is CONFIG_INVALID naming the
 * option, without the parser's message (it may quote the line holding a token).
 */
export function loadKubeconfig(k8s: ClientNode, o: ResolvedKubernetesAdapterOptions, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new k8s.KubeConfig();
  let path: (string | number)[] = [];
  try {
    if (typeof o.kubeconfig === 'string') {
      path = ['kubeconfig'];
      kc.loadFromString(o.kubeconfig);
    } else if (o.kubeconfig) {
      path = ['kubeconfig'];
      kc.loadFromOptions(o.kubeconfig);
    } else if (o.kubeconfigPath) {
      path = ['kubeconfigPath'];
      if (!existsSync(o.kubeconfigPath)) throw configError(`kubeconfigPath: no file at ${o.kubeconfigPath}`, path);
      kc.loadFromFile(o.kubeconfigPath);
    } else if (o.inCluster) {
      path = ['inCluster'];
      if (!env['KUBERNETES_SERVICE_HOST'] || !existsSync(SERVICE_ACCOUNT_TOKEN))
        throw configError('inCluster: not running in a pod (no KUBERNETES_SERVICE_HOST or service account token)', path);
      kc.loadFromCluster();
    } else if (env['KUBECONFIG'] || existsSync(join(homedir(), '.kube', 'config'))) {
      kc.loadFromDefault();
    } else if (env['KUBERNETES_SERVICE_HOST'] && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kc.loadFromCluster();
    } else {
      throw configError('no kubeconfig: give kubeconfig, kubeconfigPath or inCluster, set KUBECONFIG, or create ~/.kube/config', []);
    }
  } catch (e) {
    if (e instanceof PolycloudError) throw e;
    throw configError(`the kubeconfig could not be read (${(e as { name?: string }).name ?? 'Error'}; is it a valid kubeconfig?)`, path);
  }
  registerCredentials(kc);
  if (o.context) {
    if (!kc.contexts.some((c) => c.name === o.context)) throw configError(`context ${o.context} is not in the kubeconfig`, ['context']);
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) throw configError('the kubeconfig has no cluster for its current context', path);
  return kc;
}

/** Loads @kubernetes/client-node (ESM) on first use. */
export async function loadClientNode(): Promise<ClientNode> {
  try {
    return await import('@kubernetes/client-node');
  } catch (e) {
    return throwMissingPeer(e, '@kubernetes/client-node', 'kubernetes');
  }
}
