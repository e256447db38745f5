import { isPolycloudError } from '@polycloud/core/spi';
import { problemFromError } from '../problem.js';
import { ProblemError } from './common.js';

type Path = (string | number)[];

/**
 * Where an object operation's options came from in the request: the key from the URL
 * path, metadata and tags from their headers, conditions and ranges from theirs.
 */
export function objectRequestPath(path: Path): Path {
  const [head, name] = path;
  switch (head) {
    case 'key':
      return ['path', 'key'];
    case 'metadata':
      return name === undefined ? ['header'] : ['header', `x-polycloud-meta-${name}`];
    case 'tags':
      return name === undefined ? ['header'] : ['header', `x-polycloud-tag-${name}`];
    case 'ifMatch':
      return ['header', 'if-match'];
    case 'ifNoneMatch':
      return ['header', 'if-none-match'];
    case 'contentType':
      return ['header', 'content-type'];
    case 'range':
      return ['header', 'range'];
    default:
      return path;
  }
}

/**
 * Runs a facade call; a PolycloudError becomes its problem, the input path it names
 * placed in the request: under `where` (`['body']`), or through a mapping
 * ({@link objectRequestPath}).
 */
export async function call<T>(fn: () => Promise<T> | T, where: Path | ((path: Path) => Path) = []): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ProblemError) throw error;
    const headers: Record<string, string> = isPolycloudError(error) && error.code === 'RATE_LIMITED' ? { 'retry-after': '1' } : {};
    if (Array.isArray(where)) throw new ProblemError(problemFromError(error, where), headers);
    const p = problemFromError(error);
    throw new ProblemError(
      {
        ...p,
        path: p.path.length ? where(p.path) : p.path,
        ...(p.issues ? { issues: p.issues.map((i) => ({ ...i, path: where(i.path) })) } : {}),
      },
      headers,
    );
  }
}
